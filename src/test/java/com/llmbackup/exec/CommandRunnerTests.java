package com.llmbackup.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes (busybox and coreutils), no shell in the code under test. */
class CommandRunnerTests {

    private final CommandRunner runner = new CommandRunner();

    @Test
    void runReturnsStdoutWhenProgramSucceeds() {
        CommandResult result = runner.run(Command.of("printf", "%s|%s", "a b", "c;d"));

        assertThat(result.exitCode()).isZero();
        // arguments arrive as they are: no shell splits or interprets them
        assertThat(result.stdout()).isEqualTo("a b|c;d");
    }

    @Test
    void runThrowsWithExitCodeAndStderrWhenProgramFails() {
        assertThatThrownBy(() -> runner.run(Command.of("ls", "/no/such/folder")))
                .isInstanceOfSatisfying(CommandFailedException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.stderr()).contains("/no/such/folder");
                    assertThat(e.getMessage()).startsWith("ls exited with code 2: ").contains("No such file or directory");
                });
    }

    /** What a child may inherit: where programs are, the locale, the home and temp folders, the time zone. */
    private static boolean inheritable(String name) {
        return Set.of("PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL").contains(name) || name.startsWith("LC_");
    }

    @Test
    void runGivesChildOnlyPathLocaleHomeTmpdirAndItsOwnVariablesWhenOrchestratorHasMore() {
        // the orchestrator's secrets (SPRING_DATASOURCE_PASSWORD, ...) stand among these in production
        Set<String> orchestratorOnly = System.getenv().keySet().stream().filter(n -> !inheritable(n)).collect(Collectors.toSet());
        assertThat(orchestratorOnly).as("variables of this JVM that no child may see").isNotEmpty();

        CommandResult result = runner.run(Command.of("env", "-0").withEnvironment("PGPASSWORD", "pw with spaces"));

        Map<String, String> child = Arrays.stream(result.stdout().split("\0")).filter(line -> !line.isEmpty())
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')), line -> line.substring(line.indexOf('=') + 1)));
        assertThat(child).containsEntry("PGPASSWORD", "pw with spaces").containsEntry("PATH", System.getenv("PATH"));
        assertThat(child.keySet()).doesNotContainAnyElementsOf(orchestratorOnly)
                .allMatch(name -> inheritable(name) || name.equals("PGPASSWORD"));
    }

    @Test
    void runAllowingFailureReturnsNonZeroExitCode() {
        CommandResult result = runner.runAllowingFailure(Command.of("false"));

        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void runThrowsClearMessageWhenProgramIsMissing() {
        assertThatThrownBy(() -> runner.run(Command.of("/usr/bin/no-such-program-llm-backup")))
                .isInstanceOfSatisfying(CommandFailedException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(CommandFailedException.NOT_STARTED);
                    assertThat(e.getMessage()).contains("could not start no-such-program-llm-backup").contains("installed");
                });
    }

    @Test
    void runStopsProgramWhenTimeoutPasses() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> runner.run(Command.of("sleep", "30").withTimeout(Duration.ofMillis(500))))
                .isInstanceOfSatisfying(CommandFailedException.class, e -> {
                    assertThat(e.timedOut()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("sleep did not finish within 0.5s and was stopped");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void runKillsChildrenOfProgramWhenTimeoutPasses(@TempDir Path dir) throws Exception {
        // busybox sh is the program under test here, not a shell used by the runner
        Path pidFile = dir.resolve("child.pid");
        assertThatThrownBy(() -> runner.run(Command.of("busybox", "sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait")
                .withTimeout(Duration.ofSeconds(1))))
                .isInstanceOf(CommandFailedException.class);

        long child = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(runningOrGone(child)).isEqualTo("gone");
    }

    /** "gone" once the process has ended; a killed orphan may linger as a zombie until init reaps it. */
    private static String runningOrGone(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        for (int i = 0; i < 50; i++) {
            if (!Files.exists(stat)) {
                return "gone";
            }
            String s = Files.readString(stat);
            char state = s.charAt(s.lastIndexOf(')') + 2);
            if (state == 'Z' || state == 'X') {
                return "gone";
            }
            Thread.sleep(100);
        }
        return "running";
    }

    @Test
    void runDrainsLargeOutputOnBothStreamsWithoutBlocking() {
        // 20 MB on stderr and stdout each: far beyond a pipe's buffer; a runner reading one
        // stream after the other would deadlock here
        CommandResult result = runner.run(Command.of("busybox", "sh", "-c",
                "head -c 20000000 /dev/zero | tr '\\0' e >&2; head -c 20000000 /dev/zero | tr '\\0' o; echo END >&2")
                .withTimeout(Duration.ofMinutes(2)));

        assertThat(result.stdout()).hasSize(CommandRunner.STDOUT_LIMIT);
        assertThat(result.stderr()).hasSize(CommandRunner.STDERR_LIMIT).endsWith("END\n");
    }

    @Test
    void runPassesEnvironmentOnlyToChild() {
        CommandResult result = runner.run(Command.of("printenv", "LLM_BACKUP_TEST_SECRET")
                .withEnvironment("LLM_BACKUP_TEST_SECRET", "s3cret"));

        assertThat(result.stdout().strip()).isEqualTo("s3cret");
        assertThat(System.getenv("LLM_BACKUP_TEST_SECRET")).isNull();
    }

    @Test
    void toStringNamesEnvironmentWithoutValues() {
        Command command = Command.of("pg_dump", "-Fc").withEnvironment("PGPASSWORD", "s3cret");

        assertThat(command.toString()).isEqualTo("pg_dump -Fc (with PGPASSWORD set)").doesNotContain("s3cret");
    }

    @Test
    void runUsesWorkingDirectoryWhenGiven(@TempDir Path dir) {
        CommandResult result = runner.run(Command.of("pwd").inDirectory(dir));

        assertThat(result.stdout().strip()).isEqualTo(dir.toString());
    }

    @Test
    void startDeliversStderrLinesAndExitCodeWhenLongRunningProgramEnds() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        RunningCommand child = runner.start(Command.of("sh", "-c", "echo one >&2; echo two >&2; exit 3"), lines::add);

        assertThat(child.awaitExit(Duration.ofSeconds(10))).isTrue();
        assertThat(child.exitCode()).hasValue(3);
        assertThat(child.stderrTail()).containsExactly("one", "two");
        assertThat(lines).containsExactly("one", "two");
    }

    @Test
    void stopEndsProgramAndItsChildrenWhenItRunsUntilStopped() throws Exception {
        RunningCommand child = runner.start(Command.of("sh", "-c", "sleep 60 & sleep 60; wait"), line -> { });
        Thread.sleep(300);
        List<ProcessHandle> descendants = ProcessHandle.of(child.pid()).orElseThrow().descendants().toList();
        assertThat(child.alive()).isTrue();
        assertThat(child.exitCode()).isEmpty();

        child.stop(Duration.ofSeconds(2));

        assertThat(child.alive()).isFalse();
        assertThat(descendants).isNotEmpty().allSatisfy(p -> assertThat(gone(p)).as("process %d ended", p.pid()).isTrue());
    }

    /** Ended, or a zombie that only waits to be reaped (a container's first process may not reap orphans). */
    private static boolean gone(ProcessHandle p) {
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception stillThere) {
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            } catch (Exception noSuchProcess) {
                return true;
            }
        }
    }
}
