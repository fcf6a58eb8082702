package com.llmbackup.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;

/**
 * An orchestrator driven as an operator drives it, through {@code /engine-rest} and
 * {@code /api} at a base URL (a jar started by a test, or the stack's container): start
 * processes, wait for them, read their variables, claim and complete tasks.
 */
public final class EngineRest {

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String onTimeout;

    public EngineRest(String baseUrl, String onTimeout) {
        this.baseUrl = baseUrl;
        this.onTimeout = onTimeout;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse<String> send(String method, String path, String auth, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", auth);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public JsonNode getJson(String path, String auth) throws Exception {
        HttpResponse<String> response = send("GET", path, auth, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** Creates a user in group {@code operators}, as the README has one made in Admin. */
    public void createOperator(String adminAuth, String id, String password) throws Exception {
        var created = send("POST", "/engine-rest/user/create", adminAuth, """
                {"profile": {"id": "%s", "firstName": "%s", "lastName": "Operator", "email": "%s@example.org"},
                 "credentials": {"password": "%s"}}""".formatted(id, id, id, password));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(204);
        assertThat(send("PUT", "/engine-rest/group/operators/members/" + id, adminAuth, null).statusCode()).isEqualTo(204);
    }

    public String start(String auth, String key, String body) throws Exception {
        var response = send("POST", "/engine-rest/process-definition/key/" + key + "/start", auth, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("id").asText();
    }

    /** The first PreflightProcess instance: the one the orchestrator started at start-up. */
    public String startupPreflight(String auth) throws Exception {
        for (int i = 0; i < 120; i++) {
            JsonNode list = getJson("/engine-rest/history/process-instance?processDefinitionKey=PreflightProcess"
                    + "&sortBy=startTime&sortOrder=asc", auth);
            if (list.size() > 0) {
                return list.get(0).path("id").asText();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no preflight ran at start-up:\n" + onTimeout);
    }

    /** Waits up to 3 minutes for the instance to end; its history entry. */
    public JsonNode awaitFinished(String auth, String processInstanceId) throws Exception {
        for (int i = 0; i < 360; i++) {
            JsonNode instance = getJson("/engine-rest/history/process-instance/" + processInstanceId, auth);
            if (!instance.path("state").asText().equals("ACTIVE")) {
                return instance;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(processInstanceId + " still running after 3 minutes:\n" + onTimeout);
    }

    public Map<String, String> variables(String auth, String processInstanceId) throws Exception {
        Map<String, String> values = new HashMap<>();
        getJson("/engine-rest/history/variable-instance?processInstanceId=" + processInstanceId, auth)
                .forEach(v -> values.put(v.path("name").asText(), v.path("value").asText()));
        return values;
    }

    public String awaitTask(String auth, String processInstanceId, String key) throws Exception {
        for (int i = 0; i < 240; i++) {
            JsonNode tasks = getJson("/engine-rest/task?processInstanceId=" + processInstanceId + "&taskDefinitionKey=" + key, auth);
            if (tasks.size() > 0) {
                return tasks.get(0).path("id").asText();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no task " + key + " for " + processInstanceId + ":\n" + onTimeout);
    }

    /** Claims the task as {@code user} and completes it with the given JSON variables. */
    public void claimAndComplete(String auth, String user, String taskId, String variables) throws Exception {
        assertThat(send("POST", "/engine-rest/task/" + taskId + "/claim", auth, "{\"userId\": \"" + user + "\"}").statusCode())
                .isEqualTo(204);
        var completed = send("POST", "/engine-rest/task/" + taskId + "/complete", auth, "{\"variables\": " + variables + "}");
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(204);
    }

    /** When each service of a compose project last started, found by Compose's labels. */
    public static Map<String, Instant> serviceStartTimes(String project) {
        List<Container> containers = TestDocker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("com.docker.compose.project", project)).exec();
        return containers.stream()
                .filter(c -> "False".equals(c.getLabels().get("com.docker.compose.oneoff")))
                .collect(Collectors.toMap(c -> c.getLabels().get("com.docker.compose.service"),
                        c -> Instant.parse(TestDocker.client().inspectContainerCmd(c.getId()).exec().getState().getStartedAt())));
    }
}
