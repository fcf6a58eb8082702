package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every field of every user task's Camunda Form against the variables that task may take
 * (SubmittedVariables): Tasklist submits every field that is not disabled (form-js strips
 * only disabled ones, read-only fields are sent), so a field that only shows a fact must be
 * disabled, or the variables filter refuses the operator's completion with 400; and every
 * field an operator answers must be one the task takes.
 */
class FormFieldsTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> fields() throws IOException {
        List<Arguments> fields = new ArrayList<>();
        try (DirectoryStream<Path> models = Files.newDirectoryStream(Path.of("bpmn"), "*.bpmn")) {
            for (Path model : models) {
                try (InputStream in = Files.newInputStream(model)) {
                    for (UserTask task : Bpmn.readModelFromStream(in).getModelElementsByType(UserTask.class)) {
                        String form = task.getAttributeValueNs("http://camunda.org/schema/1.0/bpmn", "formRef");
                        if (form == null) {
                            continue;
                        }
                        for (JsonNode field : JSON.readTree(Path.of("forms", form + ".form").toFile()).get("components")) {
                            if (field.hasNonNull("key")) {
                                fields.add(Arguments.of(task.getId(), form, field.get("key").asText(), field.path("disabled").asBoolean(false)));
                            }
                        }
                    }
                }
            }
        }
        return fields.stream();
    }

    @ParameterizedTest(name = "{0} ({1}): {2}")
    @MethodSource("fields")
    void formFieldWhenTheTaskDoesNotTakeItIsDisabledElseAnswerable(String task, String form, String key, boolean disabled) {
        Set<String> taken = SubmittedVariables.TASKS.get(task);
        assertThat(taken).as("SubmittedVariables lists what " + task + " takes").isNotNull();
        if (taken.contains(key)) {
            assertThat(disabled).as(key + " is the operator's answer to " + task + ": it must not be disabled").isFalse();
        } else {
            assertThat(disabled).as(key + " only shows a fact in " + form + ": disabled, so Tasklist does not submit it").isTrue();
        }
    }
}
