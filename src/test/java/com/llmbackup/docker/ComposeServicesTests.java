package com.llmbackup.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.test.TestDocker;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.testcontainers.containers.GenericContainer;

/** Stopping the web app's services on the local Docker engine, with the client the application builds. */
class ComposeServicesTests {

    @Test
    void stopServicesStopsAServiceThatIgnoresSigtermOnceTheStopTimeoutIsOverWhenTheClientWaitsLongerThanIt() throws Exception {
        String project = "compose-stop-" + Long.toHexString(System.nanoTime());
        // no init: busybox sleep as PID 1 ignores SIGTERM, so only the kill after the stop timeout ends it
        GenericContainer<?> stubborn = TestDocker.composeService(project, "backend", hostConfig -> hostConfig.withInit(false));
        BackupProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "backup.compose.project", project, "backup.compose.services", "backend",
                "backup.restore.stop-timeout", "4s", "backup.docker.timeout", "34s")))
                .bindOrCreate("backup", BackupProperties.class);
        try (DockerClient docker = DockerConfig.create(properties.docker())) {
            ComposeServices compose = new ComposeServices(docker, properties);
            long started = System.nanoTime();

            assertThat(compose.stopServices(properties.restore().stopTimeout())).containsExactly("backend");

            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the grace, then the kill").isGreaterThanOrEqualTo(Duration.ofSeconds(4));
            assertThat(compose.configuredServices().get("backend")).singleElement().satisfies(c -> assertThat(c.running()).isFalse());
        } finally {
            stubborn.stop();
        }
    }
}
