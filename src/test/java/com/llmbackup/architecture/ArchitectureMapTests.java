package com.llmbackup.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ARCHITECTURE.md is the map, and stays true: every package and every {@code *Delegates} class is
 * on it, and every class, folder or file it names in backticks exists (like FormTextsTests for the forms).
 */
class ArchitectureMapTests {

    static final Path MAP = Path.of("ARCHITECTURE.md");
    static final Path JAVA = Path.of("src/main/java/com/llmbackup");
    /** A class name as the map writes it: two or more capitalised words (`BackupDelegates`, `RunKind`). */
    static final Pattern CLASS_NAME = Pattern.compile("[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+");
    static final Pattern PATH = Pattern.compile("[\\w.-]+(?:/[\\w.-]+)*/|[\\w.-]+(?:/[\\w.-]+)+\\.(?:md|bpmn|dmn|form|sh|yml|yaml|json|html|java)");

    static String map() throws IOException {
        return Files.readString(MAP);
    }

    static Set<String> backticked() throws IOException {
        Set<String> all = new TreeSet<>();
        Matcher m = Pattern.compile("`([^`\\n]+)`").matcher(map());
        while (m.find()) {
            all.add(m.group(1));
        }
        return all;
    }

    static Stream<String> packages() throws IOException {
        try (Stream<Path> dirs = Files.walk(JAVA)) {
            return dirs.filter(Files::isDirectory).filter(d -> !d.equals(JAVA))
                    .map(d -> JAVA.relativize(d).toString() + "/").sorted().toList().stream();
        }
    }

    static Stream<String> delegatesClasses() throws IOException {
        try (Stream<Path> files = Files.walk(JAVA)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith("Delegates.java"))
                    .map(n -> n.replace(".java", "")).sorted().toList().stream();
        }
    }

    static Stream<String> namedClasses() throws IOException {
        return backticked().stream().filter(t -> CLASS_NAME.matcher(t).matches());
    }

    static Stream<String> namedPaths() throws IOException {
        return backticked().stream().filter(t -> PATH.matcher(t).matches() && !t.startsWith("/"));
    }

    @ParameterizedTest
    @MethodSource("packages")
    void packageIsOnTheMapWhenItHoldsCode(String pkg) throws IOException {
        assertThat(map()).as("ARCHITECTURE.md names the package `%s`", pkg).contains("`" + pkg + "`");
    }

    @ParameterizedTest
    @MethodSource("delegatesClasses")
    void delegatesClassIsOnTheMapWhenAProcessHasIt(String name) throws IOException {
        assertThat(map()).as("ARCHITECTURE.md names `%s`", name).contains("`" + name + "`");
    }

    @ParameterizedTest
    @MethodSource("namedClasses")
    void namedClassExistsWhenTheMapNamesIt(String name) throws IOException {
        boolean model = Files.exists(Path.of("bpmn", name + ".bpmn")) || Files.exists(Path.of("dmn", name + ".dmn"));
        assertThat(model || declared(name)).as("`%s` on the map is a class of src/ or a model", name).isTrue();
    }

    @ParameterizedTest
    @MethodSource("namedPaths")
    void namedPathExistsWhenTheMapNamesIt(String path) {
        assertThat(Files.exists(Path.of(path)) || Files.exists(JAVA.resolve(path)))
                .as("`%s` on the map exists (from the repository root or %s)", path, JAVA).isTrue();
    }

    /** A top-level or nested type of that name declared in src/ (main or test). */
    private static boolean declared(String name) throws IOException {
        Pattern declaration = Pattern.compile("\\b(?:class|interface|record|enum)\\s+" + name + "\\b");
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (file.getFileName().toString().equals(name + ".java") || declaration.matcher(Files.readString(file)).find()) {
                    return true;
                }
            }
        }
        return false;
    }
}
