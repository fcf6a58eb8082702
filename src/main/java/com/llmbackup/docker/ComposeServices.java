package com.llmbackup.docker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.StreamType;
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

    /**
     * Restart policies under which the Docker engine starts a container again when it starts
     * itself (after a power cut, a reboot), although a restore had stopped it: {@code always}
     * whatever stopped it, {@code on-failure} when the stop ended it with a signal's exit code
     * (moby#47846), as a stop by SIGTERM or SIGKILL does. {@code unless-stopped} and {@code no}
     * leave a container that {@code docker stop} stopped as it is (the engine records the stop).
     */
    public static final Set<String> STARTED_AGAIN_AT_BOOT = Set.of("always", "on-failure");

    /** A container's restart policy as Docker names it ({@code no} when none is set). */
    public String restartPolicy(ServiceContainer container) {
        try {
            RestartPolicy policy = docker.inspectContainerCmd(container.id()).exec().getHostConfig().getRestartPolicy();
            return policy == null || policy.getName() == null || policy.getName().isEmpty() ? "no" : policy.getName();
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** The compose projects that have containers on this engine (named when ours is not found). */
    public Set<String> projects() {
        try {
            Set<String> projects = new TreeSet<>();
            for (Container c : docker.listContainersCmd().withShowAll(true).exec()) {
                String project = c.getLabels() == null ? null : c.getLabels().get(PROJECT_LABEL);
                if (project != null) {
                    projects.add(project);
                }
            }
            return projects;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /**
     * Stops the configured services' running containers, last service first (the order
     * {@code backup.compose.services} lists them is the order they start in), never any other
     * service of the project: the database keeps running. Returns the services it stopped.
     */
    public List<String> stopServices(Duration timeout) {
        Map<String, List<ServiceContainer>> services = configuredServices();
        List<String> names = new ArrayList<>(services.keySet());
        Collections.reverse(names);
        List<String> stopped = new ArrayList<>();
        for (String service : names) {
            boolean wasRunning = false;
            for (ServiceContainer c : services.get(service)) {
                if (c.running()) {
                    wasRunning = true;
                    try {
                        docker.stopContainerCmd(c.id()).withTimeout((int) Math.max(1, timeout.toSeconds())).exec();
                    } catch (NotModifiedException already) {
                        // stopped meanwhile
                    } catch (RuntimeException e) {
                        throw new DockerUnavailableException("Cannot stop " + service + " (container " + c.name() + "): "
                                + e.getMessage() + ". Stop it by hand (docker stop " + c.name() + ") and retry.", e);
                    }
                }
            }
            if (wasRunning) {
                stopped.add(0, service);
            }
        }
        return stopped;
    }

    /** Starts the containers of the given services in the configured order (dependencies first). */
    public void startServices(List<String> services) {
        Map<String, List<ServiceContainer>> all = configuredServices();
        for (String service : all.keySet()) {
            if (!services.contains(service)) {
                continue;
            }
            for (ServiceContainer c : all.get(service)) {
                try {
                    docker.startContainerCmd(c.id()).exec();
                } catch (NotModifiedException already) {
                    // already running
                } catch (RuntimeException e) {
                    throw new DockerUnavailableException("Cannot start " + service + " (container " + c.name() + "): "
                            + e.getMessage() + ". Start it by hand (docker start " + c.name() + ").", e);
                }
            }
        }
    }

    /** The last lines of a service's container log (stdout and stderr), for an operator diagnosing a failed start. */
    public String logTail(String service, int lines) {
        List<ServiceContainer> containers = configuredServices().getOrDefault(service, List.of());
        if (containers.isEmpty()) {
            return "(no container of service " + service + " in project " + properties.compose().project() + ")";
        }
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(containers.get(0).id()).withStdOut(true).withStdErr(true).withTail(lines)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(cannot read the log of " + containers.get(0).name() + ": " + e.getMessage() + ")";
        }
        return out.toString().strip();
    }

    /**
     * Runs {@code argv} in the running container of a service of the project (any service, not
     * only the configured ones: the database's, to read its volume); its stdout, or empty when
     * the service has no running container or the command failed.
     */
    public Optional<String> execIn(String service, List<String> argv) {
        try {
            List<Container> containers = docker.listContainersCmd()
                    .withLabelFilter(Map.of(PROJECT_LABEL, properties.compose().project(), SERVICE_LABEL, service)).exec();
            if (containers.isEmpty()) {
                return Optional.empty();
            }
            String exec = docker.execCreateCmd(containers.get(0).getId()).withCmd(argv.toArray(String[]::new))
                    .withAttachStdout(true).withAttachStderr(true).exec().getId();
            StringBuilder out = new StringBuilder();
            boolean done = docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.RAW) {
                        out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }
            }).awaitCompletion(10, TimeUnit.SECONDS);
            Long exit = docker.inspectExecCmd(exec).exec().getExitCodeLong();
            return done && exit != null && exit == 0 ? Optional.of(out.toString()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
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
