package com.llmbackup.security;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.task.Task;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Checks the variables of task completions and process starts, on the engine's REST API and
 * on the one Tasklist uses, against {@link SubmittedVariables}, for everyone (an operator's call
 * passed {@link OperatorAllowlistFilter} first; an administrator's start or task that is not listed
 * is not limited): a refused request answers 400 with the message and changes nothing.
 */
class SubmittedVariablesFilter extends OncePerRequestFilter {

    private static final Pattern TASK = Pattern.compile("(?i).*/task/([^/]+)/(complete|submit-form|resolve)$");
    private static final Pattern START_BY_KEY = Pattern.compile("(?i).*/process-definition/key/([^/]+)(?:/tenant-id/[^/]+)?/(start|submit-form)$");
    private static final Pattern START_BY_ID = Pattern.compile("(?i).*/process-definition/([^/]+)/(start|submit-form)$");
    /** Restarting an old instance replays its variables and may skip listeners: not offered on these APIs. */
    private static final Pattern RESTART = Pattern.compile("(?i).*/process-definition/[^/]+/restart(-async)?$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskService tasks;
    private final RepositoryService repository;

    SubmittedVariablesFilter(TaskService tasks, RepositoryService repository) {
        this.tasks = tasks;
        this.repository = repository;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        String path = RequestPath.lenient(request.getRequestURI(), request.getServletPath(), request.getPathInfo());
        if (!checked(path)) {
            chain.doFilter(request, response); // other calls (deployments, queries) are not read here
            return;
        }
        byte[] body = request.getInputStream().readAllBytes();
        Optional<String> refusal = refusal(path, body);
        if (refusal.isPresent()) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(JSON.writeValueAsString(Map.of("type", "InvalidRequestException",
                    "message", refusal.get())));
            return;
        }
        chain.doFilter(new ReplayedRequest(request, body), response);
    }

    private static boolean checked(String path) {
        return RESTART.matcher(path).matches() || TASK.matcher(path).matches() || START_BY_KEY.matcher(path).matches()
                || START_BY_ID.matcher(path).matches();
    }

    private Optional<String> refusal(String path, byte[] body) {
        if (RESTART.matcher(path).matches()) {
            return Optional.of("Restarting process instances is not offered here: start a new instance (its guard checks it again).");
        }
        Matcher task = TASK.matcher(path);
        if (task.matches()) {
            Task t = tasks.createTaskQuery().taskId(task.group(1)).singleResult();
            if (t == null) {
                return Optional.of("No open task " + task.group(1) + ".");
            }
            // an operator's task outside the list never gets here (OperatorAllowlistFilter); an administrator's is not limited
            String taskKey = t.getTaskDefinitionKey();
            // the values' rules (an explicit decision) hold for administrators too
            return (SubmittedVariables.TASKS.containsKey(taskKey) ? SubmittedVariables.checkTask(taskKey, sent(body)) : Optional.<String>empty())
                    .or(() -> SubmittedVariables.checkTaskValues(taskKey, values(body)));
        }
        Matcher byKey = START_BY_KEY.matcher(path);
        Matcher byId = START_BY_ID.matcher(path);
        String key = null;
        if (byKey.matches()) {
            key = byKey.group(1);
        } else if (byId.matches()) {
            ProcessDefinition definition = repository.createProcessDefinitionQuery().processDefinitionId(byId.group(1)).singleResult();
            if (definition == null) {
                return Optional.of("No process definition " + byId.group(1) + ".");
            }
            key = definition.getKey();
        } else {
            return Optional.empty();
        }
        if (startsInside(body)) {
            return Optional.of("A process is started at its start event only: startInstructions, skipCustomListeners and "
                    + "skipIoMappings are not taken (they would skip its checks).");
        }
        String processKey = key;
        return (SubmittedVariables.STARTS.containsKey(processKey) ? SubmittedVariables.checkStart(processKey, sent(body))
                : Optional.<String>empty())
                .or(() -> SubmittedVariables.checkStartValues(processKey, values(body)));
    }

    private static boolean startsInside(byte[] body) {
        try {
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            return json.has("startInstructions") || json.path("skipCustomListeners").asBoolean(false)
                    || json.path("skipIoMappings").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    /** The names under "variables" (REST and Tasklist both send {"variables": {name: {value, type}}}). */
    private static Set<String> sent(byte[] body) {
        Set<String> names = new HashSet<>();
        if (body.length == 0) {
            return names;
        }
        try {
            JsonNode variables = JSON.readTree(body).path("variables");
            variables.fieldNames().forEachRemaining(names::add);
        } catch (IOException e) {
            // not JSON: the engine's REST layer answers that itself
        }
        return names;
    }

    /** The values under "variables" (a text, a boolean, a number; null for anything else or none). */
    private static Map<String, Object> values(byte[] body) {
        Map<String, Object> values = new HashMap<>();
        if (body.length == 0) {
            return values;
        }
        try {
            JSON.readTree(body).path("variables").fields().forEachRemaining(field -> {
                JsonNode value = field.getValue().path("value");
                values.put(field.getKey(), value.isBoolean() ? (Object) value.booleanValue()
                        : value.isValueNode() && !value.isNull() ? value.asText() : null);
            });
        } catch (IOException e) {
            // not JSON: the engine's REST layer answers that itself
        }
        return values;
    }
}
