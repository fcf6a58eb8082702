package com.llmbackup.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.llmbackup.config.BackupProperties;
import org.springframework.stereotype.Component;

/**
 * The web app's compose services, found through the labels docker-compose puts on its
 * containers ({@code com.docker.compose.project}, {@code .service}, {@code .oneoff}).
 */
@Component
public class ComposeServices {

    static final String PROJECT_LABEL = "com.docker.compose.project";
    static final String SERVICE_LABEL = "com.docker.compose.service";
    static final String ONEOFF_LABEL = "com.docker.compose.oneoff";

    private final DockerClient docker;
    private final BackupProperties properties;

    public ComposeServices(DockerClient docker, BackupProperties properties) {
        this.docker = docker;
        this.properties = properties;
    }

    /** The engine's version, or a {@link DockerUnavailableException} saying why it cannot be reached. */
    public String engineVersion() {
        try {
            docker.pingCmd().exec();
            var v = docker.versionCmd().exec();
            return v.getVersion() + " (API " + v.getApiVersion() + ")";
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** Every configured service with its containers (stopped ones too); an empty list means not found. */
    public Map<String, List<ServiceContainer>> configuredServices() {
        String project = properties.compose().project();
        List<Container> containers;
        try {
            containers = docker.listContainersCmd()
                    .withShowAll(true)
                    .withLabelFilter(Map.of(PROJECT_LABEL, project))
                    .exec();
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
        Map<String, List<ServiceContainer>> byService = new LinkedHashMap<>();
        for (String service : properties.compose().serviceList()) {
            List<ServiceContainer> found = new ArrayList<>();
            for (Container c : containers) {
                Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
                if (service.equals(labels.get(SERVICE_LABEL)) && !"True".equalsIgnoreCase(labels.get(ONEOFF_LABEL))) {
                    String name = c.getNames() != null && c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId();
                    found.add(new ServiceContainer(service, c.getId(), name, c.getState()));
                }
            }
            byService.put(service, found);
        }
        return byService;
    }

    private DockerUnavailableException unavailable(RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return new DockerUnavailableException("Docker engine at " + properties.docker().host()
                + " is not reachable (" + why + "). Start it (systemctl start docker) or set backup.docker.host.", e);
    }

    /** One container of a compose service and its state (running, exited, ...). */
    public record ServiceContainer(String service, String id, String name, String state) {
        public boolean running() {
            return "running".equalsIgnoreCase(state);
        }
    }
}
