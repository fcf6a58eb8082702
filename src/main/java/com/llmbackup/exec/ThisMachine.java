package com.llmbackup.exec;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * This machine and this process as other orchestrators see them: a machine id that tells two
 * containers with host networking apart (same host name, different pid namespaces) and a reboot
 * from the machine before it, and whether a process of this machine is still the one that was
 * started then (a pid can be reused).
 */
public final class ThisMachine {

    /** Two readings of one process's start time differ by less than this; more means the pid was reused. */
    public static final Duration SAME_PROCESS = Duration.ofSeconds(2);

    private static final String ID = computeId();

    private ThisMachine() {
    }

    /** Host name, pid namespace and boot: equal only for processes that can see each other's pids. */
    public static String id() {
        return ID;
    }

    public static long pid() {
        return ProcessHandle.current().pid();
    }

    public static Instant started() {
        return ProcessHandle.current().info().startInstant().orElseGet(Instant::now);
    }

    /** When a process of this machine started; empty when no process has that pid. */
    public static Optional<Instant> processStart(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant());
    }

    /** Whether the process {@code pid} that started at {@code startedAt} still runs here. */
    public static boolean runs(long pid, Instant startedAt) {
        return processStart(pid).map(s -> Duration.between(s, startedAt).abs().compareTo(SAME_PROCESS) <= 0).orElse(false);
    }

    private static String computeId() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
        }
        try {
            String pidNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            return name + " " + pidNamespace + " boot " + boot.substring(0, Math.min(8, boot.length()));
        } catch (IOException | RuntimeException e) {
            return name;
        }
    }
}
