package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model files as a maintainer reads them: one chain of steps is modelled once, and Cockpit can draw every file. */
class BpmnModelsTests {

    static final Path BPMN = Path.of("bpmn");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Task_DumpDatabase", "Task_SnapshotUploads", "Task_PublishSet", "Task_AcquireLease", "Task_ArchiveUploads"})
    void stepOfTheBackupChainIsModelledInExactlyOneFile(String taskId) throws IOException {
        assertThat(filesDefining("serviceTask", taskId)).containsExactly("BackupRunProcess.bpmn");
    }

    @Test
    void noServiceTaskIdIsModelledInTwoFiles() throws IOException {
        Map<String, List<String>> byId = new TreeMap<>();
        Pattern task = Pattern.compile("<bpmn:serviceTask id=\"([^\"]+)\"");
        for (Path file : modelFiles()) {
            Matcher m = task.matcher(Files.readString(file));
            while (m.find()) {
                byId.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(file.getFileName().toString());
            }
        }
        assertThat(byId).allSatisfy((id, files) -> assertThat(files).as(id).hasSize(1));
    }

    @Test
    void everyModelHasItsDiagram() throws IOException {
        for (Path file : modelFiles()) {
            assertThat(Files.readString(file)).as(file.toString()).contains("<bpmndi:BPMNDiagram", "<bpmndi:BPMNShape");
        }
    }

    private static List<String> filesDefining(String element, String id) throws IOException {
        return modelFiles().stream().filter(f -> {
            try {
                return Files.readString(f).contains("<bpmn:" + element + " id=\"" + id + "\"");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).map(f -> f.getFileName().toString()).toList();
    }

    private static List<Path> modelFiles() throws IOException {
        try (Stream<Path> files = Files.list(BPMN)) {
            return files.filter(f -> f.toString().endsWith(".bpmn")).sorted().toList();
        }
    }
}
