package com.llmbackup.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.camunda.bpm.engine.FilterService;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.webapp.impl.security.auth.AuthenticationUtil;
import org.camunda.bpm.webapp.impl.security.auth.UserAuthentication;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@link OperatorAllowlist} in front of every path through which the engine's services are
 * reachable: the engine's REST API, the webapps' APIs (their engine API, Cockpit's and Admin's
 * plugins) and the orchestrator's {@code /api}. Administrators (group {@code camunda-admin})
 * pass; everyone else gets only what the list allows, judged on the path as {@link RequestPath}
 * spells it, with no method override. Who calls: the engine's authentication of the request
 * (HTTP Basic, set by the authentication filter before this one), or the webapps' login session.
 */
class OperatorAllowlistFilter extends OncePerRequestFilter {

    /** A body larger than this is not read to be checked (no start or completion comes near it). */
    static final int MAX_BODY = 1 << 20;
    static final String REFUSED_BY = "operator-allowlist";
    private static final List<String> METHOD_OVERRIDES = List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final IdentityService identity;
    private final TaskService tasks;
    private final RepositoryService repository;
    private final FilterService filters;
    private final HistoryService history;
    private final String engineName;
    private final OperatorAllowlist allowlist;

    OperatorAllowlistFilter(ProcessEngine engine) {
        this.identity = engine.getIdentityService();
        this.tasks = engine.getTaskService();
        this.repository = engine.getRepositoryService();
        this.filters = engine.getFilterService();
        this.history = engine.getHistoryService();
        this.engineName = engine.getName();
        this.allowlist = new OperatorAllowlist(engineName);
    }

    private record Caller(String user, boolean admin) {
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Caller caller = caller(request);
        if (caller.admin()) {
            chain.doFilter(request, response);
            return;
        }
        for (String header : METHOD_OVERRIDES) {
            if (request.getHeader(header) != null) {
                refuse(request, response, new OperatorAllowlist.Verdict(400, header + " is not taken: send the method itself."));
                return;
            }
        }
        Map<String, List<String>> query;
        try {
            query = query(request.getQueryString());
        } catch (IllegalArgumentException e) {
            refuse(request, response, new OperatorAllowlist.Verdict(400, "The query string cannot be read: " + e.getMessage()));
            return;
        }
        if (query.containsKey("_method")) {
            refuse(request, response, new OperatorAllowlist.Verdict(400, "_method is not taken: send the method itself."));
            return;
        }
        RequestPath.Result path = RequestPath.of(request.getRequestURI(), request.getContextPath(), request.getServletPath(),
                request.getPathInfo());
        if (path.refused()) {
            refuse(request, response, new OperatorAllowlist.Verdict(400, path.refusal()));
            return;
        }
        Body body = new Body(request);
        OperatorAllowlist.Verdict verdict = allowlist.judge(
                new OperatorAllowlist.Call(request.getMethod(), path.path(), query, body::bytes, caller.user()), new EngineFacts());
        if (!verdict.allowed()) {
            refuse(request, response, verdict);
            return;
        }
        chain.doFilter(body.read ? new ReplayedRequest(request, body.bytes) : request, response);
    }

    /** The webapps' login (their session) on /camunda, the engine's authentication of the request elsewhere. */
    private Caller caller(HttpServletRequest request) {
        if (request.getServletPath().startsWith("/camunda/")) {
            HttpSession session = request.getSession(false);
            var auth = session == null ? null : AuthenticationUtil.getAuthsFromSession(session).getAuthenticationForProcessEngine(engineName);
            if (auth instanceof UserAuthentication user) {
                return new Caller(user.getIdentityId(), user.getGroupIds() != null && user.getGroupIds().contains(Groups.CAMUNDA_ADMIN));
            }
            return new Caller(null, false);
        }
        Authentication auth = identity.getCurrentAuthentication();
        if (auth == null || auth.getUserId() == null) {
            return new Caller(null, false);
        }
        return new Caller(auth.getUserId(), auth.getGroupIds() != null && auth.getGroupIds().contains(Groups.CAMUNDA_ADMIN));
    }

    /** Query parameters decoded as JAX-RS reads them (every value of a repeated name kept). */
    static Map<String, List<String>> query(String queryString) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (queryString == null || queryString.isEmpty()) {
            return query;
        }
        for (String pair : queryString.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return query;
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, OperatorAllowlist.Verdict verdict) throws IOException {
        response.setStatus(verdict.status());
        if (verdict.status() == HttpServletResponse.SC_UNAUTHORIZED && !request.getServletPath().startsWith("/camunda/")) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"llm-backup\"");
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        String type = switch (verdict.status()) {
            case HttpServletResponse.SC_FORBIDDEN -> "AuthorizationException";
            case HttpServletResponse.SC_UNAUTHORIZED -> "AuthenticationException";
            default -> "InvalidRequestException";
        };
        Map<String, String> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("message", verdict.reason());
        // so that a client (and a test) tells this refusal from the engine's own answers
        body.put("refusedBy", REFUSED_BY);
        response.getWriter().write(JSON.writeValueAsString(body));
    }

    /** The body, read once and only when a rule needs it; null when larger than {@link #MAX_BODY}. */
    private static final class Body {
        private final HttpServletRequest request;
        private boolean read;
        private byte[] bytes;

        Body(HttpServletRequest request) {
            this.request = request;
        }

        byte[] bytes() {
            if (!read) {
                read = true;
                try (InputStream in = request.getInputStream()) {
                    byte[] head = in.readNBytes(MAX_BODY + 1);
                    bytes = head.length > MAX_BODY ? null : head;
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read the request body: " + e.getMessage(), e);
                }
            }
            return bytes;
        }
    }

    /** The engine's answers about the ids in a path. */
    private final class EngineFacts implements OperatorAllowlist.Engine {
        @Override
        public Optional<String> taskKey(String taskId) {
            Task task = tasks.createTaskQuery().taskId(taskId).singleResult();
            return Optional.ofNullable(task).map(Task::getTaskDefinitionKey);
        }

        @Override
        public boolean definitionExists(String definitionId) {
            return repository.createProcessDefinitionQuery().processDefinitionId(definitionId).count() > 0;
        }

        @Override
        public boolean filterExists(String filterId) {
            return filters.createFilterQuery().filterId(filterId).count() > 0;
        }

        @Override
        public boolean processInstanceExists(String processInstanceId) {
            return history.createHistoricProcessInstanceQuery().processInstanceId(processInstanceId).count() > 0;
        }

        @Override
        public Optional<String> latestKey(String definitionId) {
            ProcessDefinition definition = repository.createProcessDefinitionQuery().processDefinitionId(definitionId).singleResult();
            if (definition == null) {
                return Optional.empty();
            }
            ProcessDefinition latest = repository.createProcessDefinitionQuery().processDefinitionKey(definition.getKey())
                    .latestVersion().singleResult();
            return latest != null && latest.getId().equals(definitionId) ? Optional.of(definition.getKey()) : Optional.empty();
        }
    }
}
