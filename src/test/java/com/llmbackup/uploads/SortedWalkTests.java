package com.llmbackup.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walk in path order, and the same walk read ahead on a thread of its own (issue 28). */
class SortedWalkTests {

    @TempDir
    Path dir;

    @Test
    void walkAheadMakesTheSameCallsInTheSameOrderAsWalkWhenTheTreeIsLarger() throws Exception {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < 1500; i++) {
            files.put("user" + (i % 7) + "/" + (i % 13) + "/f" + i + ".txt", "x" + i);
        }
        FileTrees.write(dir, files);
        Files.createDirectories(dir.resolve("empty"));
        Files.createSymbolicLink(dir.resolve("user1/link"), Path.of("../user2"));

        Recorder walked = new Recorder(null);
        SortedWalk.walk(dir, walked);
        Recorder ahead = new Recorder(null);
        SortedWalk.walkAhead(dir, ahead);

        assertThat(ahead.calls).isEqualTo(walked.calls).hasSize(1 + 7 + 7 * 13 + 1 + 1500 + 1 + (1 + 7 + 7 * 13 + 1));
        List<String> paths = walked.calls.stream().filter(c -> !c.startsWith("leave ")).map(c -> c.substring(c.indexOf(' ') + 1)).toList();
        assertThat(paths).isSortedAccordingTo(ManifestFiles.PATH_ORDER);
    }

    @Test
    void walkAheadLeavesOutWhatTheVisitorSkipsAndEndsWhereTheVisitorFails() throws Exception {
        FileTrees.write(dir, Map.of("a/1.txt", "1", "a/b/2.txt", "2", "c/3.txt", "3", "d/4.txt", "4"));

        Recorder skipping = new Recorder("a");
        SortedWalk.walkAhead(dir, skipping);
        assertThat(skipping.calls).containsExactly("enter .", "enter a", "enter c", "visit c/3.txt", "leave c", "enter d",
                "visit d/4.txt", "leave d", "leave .");

        Recorder failing = new Recorder(null) {
            @Override
            public void visit(Path path, String rel, Map<String, Object> attributes) throws IOException {
                throw new IOException("disk gone at " + rel);
            }
        };
        assertThatThrownBy(() -> SortedWalk.walkAhead(dir, failing)).isInstanceOf(IOException.class).hasMessage("disk gone at a/1.txt");
    }

    /** Records each call; skips the folder named {@code skip}. */
    private static class Recorder implements SortedWalk.Visitor {
        final List<String> calls = new ArrayList<>();
        private final String skip;

        Recorder(String skip) {
            this.skip = skip;
        }

        @Override
        public FileVisitResult enter(Path dir, String rel, Map<String, Object> attributes) {
            calls.add("enter " + rel);
            return rel.equals(skip) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public void leave(Path dir, String rel) {
            calls.add("leave " + rel);
        }

        @Override
        public void visit(Path path, String rel, Map<String, Object> attributes) throws IOException {
            calls.add("visit " + rel);
        }
    }
}
