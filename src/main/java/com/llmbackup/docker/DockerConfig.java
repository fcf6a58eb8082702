package com.llmbackup.docker;

import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.llmbackup.config.BackupProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class DockerConfig {

    /**
     * The client talks to {@code backup.docker.host}; the API version is left unset so the
     * client negotiates with whatever engine it finds (1.41 on Debian 12's docker.io).
     * Creating it does not connect: a missing engine shows in the preflight, not at start-up.
     */
    @Bean(destroyMethod = "close")
    DockerClient dockerClient(BackupProperties properties) {
        return create(properties.docker());
    }

    /**
     * A client of {@code docker}'s engine that waits {@code backup.docker.timeout} for an answer,
     * which the settings keep longer than a stop's grace ({@code backup.restore.stop-timeout}).
     */
    public static DockerClient create(BackupProperties.Docker docker) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(docker.host())
                .build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(docker.timeout())
                .build();
        return DockerClientImpl.getInstance(config, http);
    }
}
