package com.llmbackup.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.task.Task;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Checks the variables of task completions and process starts, on the engine's REST API and
 * on the one Tasklist uses, against {@link SubmittedVariables}: a refused request answers 400
 * with the message and changes nothing.
 */
class SubmittedVariablesFilter extends OncePerRequestFilter {

    private static final Pattern TASK = Pattern.compile(".*/task/([^/]+)/(complete|submit-form|resolve)$");
    private static final Pattern START_BY_KEY = Pattern.compile(".*/process-definition/key/([^/]+)(?:/tenant-id/[^/]+)?/(start|submit-form)$");
    private static final Pattern START_BY_ID = Pattern.compile(".*/process-definition/([^/]+)/(start|submit-form)$");
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
        String path = request.getRequestURI();
        byte[] body = request.getInputStream().readAllBytes();
        Optional<String> refusal = refusal(path, body);
        if (refusal.isPresent()) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(JSON.writeValueAsString(java.util.Map.of("type", "InvalidRequestException",
                    "message", refusal.get())));
            return;
        }
        chain.doFilter(new Replayed(request, body), response);
    }

    private Optional<String> refusal(String path, byte[] body) {
        Matcher task = TASK.matcher(path);
        if (task.matches()) {
            Task t = tasks.createTaskQuery().taskId(task.group(1)).singleResult();
            return t == null ? Optional.empty() : SubmittedVariables.checkTask(t.getTaskDefinitionKey(), sent(body));
        }
        Matcher byKey = START_BY_KEY.matcher(path);
        if (byKey.matches()) {
            return SubmittedVariables.checkStart(byKey.group(1), sent(body));
        }
        Matcher byId = START_BY_ID.matcher(path);
        if (byId.matches()) {
            ProcessDefinition definition = repository.createProcessDefinitionQuery().processDefinitionId(byId.group(1)).singleResult();
            return definition == null ? Optional.empty() : SubmittedVariables.checkStart(definition.getKey(), sent(body));
        }
        return Optional.empty();
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

    /** The request with its body readable once more, for the engine's REST layer. */
    private static final class Replayed extends HttpServletRequestWrapper {
        private final byte[] body;

        Replayed(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }
}
