package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.annotation.Bean;

/**
 * The rule that makes a task traceable in three hops (ARCHITECTURE.md, "Trace a task"): the
 * service task {@code Task_X} names the bean {@code xDelegate}, and every delegate or listener
 * a model names is a {@code @Bean} of the {@code *Delegates} class in that process's package.
 */
class BpmnWiringTests {

    /** Which package under process/ holds the delegates of each model (the daily and weekly only call BackupRunProcess). */
    static final Map<String, String> PACKAGE_OF = Map.of(
            "BackupRunProcess", "backup", "DailyBackupProcess", "backup", "WeeklyBackupProcess", "backup",
            "BackupCleanupProcess", "cleanup", "RestoreProcess", "restore", "RestoreDrillProcess", "drill",
            "DisasterRecoveryProcess", "recovery", "PreflightProcess", "preflight");

    private static final Pattern SERVICE_TASK = Pattern.compile(
            "<bpmn:serviceTask id=\"(Task_\\w+)\"[^>]*?camunda:delegateExpression=\"\\$\\{(\\w+)}\"");
    private static final Pattern ANY_DELEGATE = Pattern.compile("delegateExpression=\"\\$\\{(\\w+)}\"");

    record Wiring(String process, String taskId, String bean) {
        @Override
        public String toString() {
            return process + ": " + (taskId == null ? "" : taskId + " -> ") + bean;
        }
    }

    static Stream<Wiring> serviceTasks() throws IOException {
        return wirings(SERVICE_TASK, true);
    }

    static Stream<Wiring> delegates() throws IOException {
        return wirings(ANY_DELEGATE, false);
    }

    private static Stream<Wiring> wirings(Pattern pattern, boolean withTask) throws IOException {
        List<Wiring> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("bpmn"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".bpmn")).sorted().toList()) {
                String process = file.getFileName().toString().replace(".bpmn", "");
                Matcher m = pattern.matcher(Files.readString(file));
                while (m.find()) {
                    all.add(withTask ? new Wiring(process, m.group(1), m.group(2)) : new Wiring(process, null, m.group(1)));
                }
            }
        }
        return all.stream().distinct();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serviceTasks")
    void serviceTaskNamesItsBeanWhenItsIdIsTaskX(Wiring wiring) {
        String step = wiring.taskId().substring("Task_".length());
        assertThat(wiring.bean()).as("the bean of %s", wiring.taskId())
                .isEqualTo(Character.toLowerCase(step.charAt(0)) + step.substring(1) + "Delegate");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("delegates")
    void delegateIsABeanOfItsProcessPackageWhenAModelNamesIt(Wiring wiring) throws Exception {
        String pkg = PACKAGE_OF.get(wiring.process());
        assertThat(pkg).as("the process/ package of %s (add it to PACKAGE_OF)", wiring.process()).isNotNull();
        List<String> found = new ArrayList<>();
        try (Stream<Path> classes = Files.list(Path.of("src/main/java/com/llmbackup/process", pkg))) {
            for (Path source : classes.filter(f -> f.getFileName().toString().endsWith("Delegates.java")).toList()) {
                Class<?> type = Class.forName("com.llmbackup.process." + pkg + "." + source.getFileName().toString().replace(".java", ""));
                Arrays.stream(type.getDeclaredMethods())
                        .filter(m -> m.isAnnotationPresent(Bean.class))
                        .map(Method::getName)
                        .filter(wiring.bean()::equals)
                        .forEach(name -> found.add(type.getSimpleName() + "." + name));
            }
        }
        assertThat(found).as("%s is a @Bean of a *Delegates class in process/%s", wiring.bean(), pkg).hasSize(1);
    }
}
