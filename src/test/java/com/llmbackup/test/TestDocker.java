package com.llmbackup.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Real containers in the local Docker engine without any registry: a busybox image is
 * imported from the host's static busybox, and containers carry the labels docker-compose
 * would put on a compose service.
 */
public final class TestDocker {

    public static final String BUSYBOX_IMAGE = "llm-backup-test/busybox:1";
    private static boolean imported;

    private TestDocker() {
    }

    public static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    /** Imports {@value #BUSYBOX_IMAGE} from /bin/busybox once; it has no shell, only busybox applets. */
    public static synchronized String busyboxImage() {
        if (imported) {
            return BUSYBOX_IMAGE;
        }
        DockerClient docker = client();
        if (docker.listImagesCmd().withImageNameFilter(BUSYBOX_IMAGE).exec().isEmpty()) {
            try {
                byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
                ByteArrayOutputStream tar = new ByteArrayOutputStream();
                try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
                    TarArchiveEntry bin = new TarArchiveEntry("bin/");
                    bin.setMode(040755);
                    out.putArchiveEntry(bin);
                    out.closeArchiveEntry();
                    TarArchiveEntry entry = new TarArchiveEntry("bin/busybox");
                    entry.setMode(0100755);
                    entry.setSize(busybox.length);
                    out.putArchiveEntry(entry);
                    out.write(busybox);
                    out.closeArchiveEntry();
                }
                // `docker import`: docker-java's import over Testcontainers' transport cuts the stream short
                String cli = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
                Process p = new ProcessBuilder(cli, "import", "-", BUSYBOX_IMAGE).redirectErrorStream(true).start();
                try (var stdin = p.getOutputStream()) {
                    stdin.write(tar.toByteArray());
                }
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IOException("docker import failed: " + out);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("Cannot import busybox as a test image (is busybox-static installed?): " + e, e);
            }
        }
        imported = true;
        return BUSYBOX_IMAGE;
    }

    /** A running container labelled as service {@code service} of compose project {@code project}. */
    public static GenericContainer<?> composeService(String project, String service) {
        return composeService(project, service, hostConfig -> { });
    }

    /** As {@link #composeService(String, String)}, its host configuration changed first (a restart policy, no init). */
    @SuppressWarnings("resource")
    public static GenericContainer<?> composeService(String project, String service, Consumer<HostConfig> hostConfig) {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(busyboxImage()))
                .withNetworkMode("host")
                .withLabels(Map.of(
                        "com.docker.compose.project", project,
                        "com.docker.compose.service", service,
                        "com.docker.compose.oneoff", "False"))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withEntrypoint("/bin/busybox");
                    cmd.getHostConfig().withInit(true);
                    hostConfig.accept(cmd.getHostConfig());
                })
                .withCommand("sleep", "3600");
        container.start();
        return container;
    }
}
