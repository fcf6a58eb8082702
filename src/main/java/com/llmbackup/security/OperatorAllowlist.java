package com.llmbackup.security;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The REST calls of everyone who is not an administrator (group {@code camunda-admin}): an
 * allowlist, so an endpoint the engine adds later stays closed until it is listed here. Operators
 * start the processes of {@link SubmittedVariables#STARTS} with their start forms' variables, read,
 * claim, complete and submit the forms of their tasks with the variables those tasks take, use
 * {@code /api/backups}, and Tasklist's own reads (filters, forms, the diagram, a task's history,
 * their profile and groups). The same list holds on the engine's REST API ({@code /engine-rest},
 * also as {@code /engine-rest/engine/{name}}) and on the webapps' ({@code /camunda/api/engine/engine/{name}}).
 * Everything else answers 403; a body that is not allowed 400, an id naming nothing 404. The
 * engine's authorizations still apply to what passes. Pure: the filter hands the call and the
 * engine's answers about ids.
 */
final class OperatorAllowlist {

    /**
     * What the judge asks the engine about the ids in a path. An id must name something that exists:
     * a word of the engine's API in its place ({@code process-definition/statistics},
     * {@code task/report/...}) is another resource, never the one a rule lists.
     */
    interface Engine {
        /** The definition key of the open task with this id. */
        Optional<String> taskKey(String taskId);

        /** Whether a process definition (any version) has this id. */
        boolean definitionExists(String definitionId);

        /** The process key of this definition id, if it is the latest version of its key (an older version lacks newer checks). */
        Optional<String> latestKey(String definitionId);

        /** Whether a filter has this id. */
        boolean filterExists(String filterId);

        /** Whether a process instance (running or ended) has this id. */
        boolean processInstanceExists(String processInstanceId);
    }

    /** A call: method, decoded path (RequestPath), query parameters (decoded), the body when asked for, the user (null: anonymous). */
    record Call(String method, String path, Map<String, List<String>> query, Supplier<byte[]> body, String user) {
    }

    /** Allowed, or the status (401, 403, 400, 404, 413) and why not. */
    record Verdict(int status, String reason) {
        static final Verdict ALLOWED = new Verdict(200, null);

        boolean allowed() {
            return reason == null;
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    /** The engine's REST names of the plain value types; Object, Json, Xml, File and Bytes values are never taken from an operator. */
    private static final Set<String> PLAIN_TYPES = Set.of("string", "boolean", "integer", "long", "short", "double", "date", "null");
    private static final Set<String> APPS = Set.of("tasklist", "cockpit", "admin", "welcome");
    private static final List<String> DEFINITION_READS = List.of("startForm", "rendered-form", "deployed-start-form", "form-variables", "xml");
    private static final List<String> TASK_READS = List.of("form", "rendered-form", "deployed-form", "form-variables", "variables",
            "comment", "identity-links");
    private static final String NO_EXPRESSIONS = "Queries with expressions are not taken from operators: ";
    private static final List<Rule> RULES = rules();

    private final String engineName;

    OperatorAllowlist(String engineName) {
        this.engineName = engineName;
    }

    /**
     * The rules, as documented in docs/security.md: method and path below an engine API root; {task}, {definition},
     * {filter}, {instance}: an id the engine knows; {key}, {name}: any one segment; {self}: the caller's own id.
     */
    static List<String> listed() {
        return RULES.stream().map(r -> r.method() + " " + r.template()).toList();
    }

    Verdict judge(Call call, Engine engine) {
        if (open(call)) {
            return Verdict.ALLOWED;
        }
        if (call.user() == null) {
            return new Verdict(401, "Log in first (HTTP Basic on /engine-rest and /api, the login page in the webapps).");
        }
        String path = call.path();
        if (path.equals("/api/backups") || path.startsWith("/api/backups/")) {
            // the orchestrator's own API: its controllers decide who may do what
            return Set.of("GET", "POST", "PUT", "DELETE").contains(call.method()) ? Verdict.ALLOWED : forbidden(call);
        }
        Optional<String> below = belowEngineRoot(path);
        if (below.isEmpty()) {
            return forbidden(call);
        }
        Optional<String> expression = call.query().keySet().stream().filter(OperatorAllowlist::isExpression).findFirst();
        if (expression.isPresent()) {
            return new Verdict(400, NO_EXPRESSIONS + expression.get() + ".");
        }
        String[] segments = below.get().split("/");
        for (Rule rule : RULES) {
            Optional<Map<String, String>> match = rule.match(call.method(), segments, call.user());
            if (match.isPresent()) {
                Optional<Verdict> unknown = unknownId(match.get(), engine);
                return unknown.orElseGet(() -> rule.check().apply(match.get(), call, engine));
            }
        }
        return forbidden(call);
    }

    /** The first id in the path that names nothing the engine knows ({task}, {definition}, {filter}, {instance}). */
    private static Optional<Verdict> unknownId(Map<String, String> params, Engine engine) {
        String task = params.get("task");
        if (task != null && engine.taskKey(task).isEmpty()) {
            return Optional.of(new Verdict(404, "No open task " + task + "."));
        }
        String definition = params.get("definition");
        if (definition != null && !engine.definitionExists(definition)) {
            return Optional.of(new Verdict(404, "No process definition " + definition + "."));
        }
        String filter = params.get("filter");
        if (filter != null && !engine.filterExists(filter)) {
            return Optional.of(new Verdict(404, "No filter " + filter + "."));
        }
        String instance = params.get("instance");
        if (instance != null && !engine.processInstanceExists(instance)) {
            return Optional.of(new Verdict(404, "No process instance " + instance + "."));
        }
        return Optional.empty();
    }

    /** Anyone, also before logging in: the engines' list, the webapps' login, logout and who-am-I, their plugins' static files. */
    private boolean open(Call call) {
        String path = call.path();
        String method = call.method();
        if (method.equals("GET") && (path.equals("/engine-rest/engine") || path.equals("/camunda/api/engine/engine"))) {
            return true;
        }
        String auth = "/camunda/api/admin/auth/user/" + engineName;
        if (method.equals("GET") && path.equals(auth) || method.equals("POST") && path.equals(auth + "/logout")) {
            return true;
        }
        if (method.equals("POST") && path.startsWith(auth + "/login/") && APPS.contains(path.substring((auth + "/login/").length()))) {
            return true;
        }
        String[] s = path.split("/");
        // /camunda/api/{app}/plugin/{plugin}/static/...
        return method.equals("GET") && s.length > 7 && s[1].equals("camunda") && s[2].equals("api") && APPS.contains(s[3])
                && s[4].equals("plugin") && s[6].equals("static");
    }

    /** The path below {@code /engine-rest}, {@code /engine-rest/engine/{name}} or {@code /camunda/api/engine/engine/{name}}. */
    private Optional<String> belowEngineRoot(String path) {
        for (String root : List.of("/engine-rest/engine/" + engineName + "/", "/camunda/api/engine/engine/" + engineName + "/")) {
            if (path.startsWith(root)) {
                return Optional.of(path.substring(root.length()));
            }
        }
        if (path.startsWith("/engine-rest/") && !path.startsWith("/engine-rest/engine/")) {
            return Optional.of(path.substring("/engine-rest/".length()));
        }
        return Optional.empty();
    }

    private static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        // Tasklist's start dialog, the start forms, the diagram tab
        rules.add(read("process-definition"));
        rules.add(read("process-definition/count"));
        rules.add(read("process-definition/{definition}"));
        rules.add(read("process-definition/key/{key}"));
        for (String sub : DEFINITION_READS) {
            rules.add(read("process-definition/{definition}/" + sub));
            rules.add(read("process-definition/key/{key}/" + sub));
        }
        for (String start : List.of("start", "submit-form")) {
            rules.add(new Rule("POST", "process-definition/{definition}/" + start, OperatorAllowlist::startById));
            rules.add(new Rule("POST", "process-definition/key/{key}/" + start, OperatorAllowlist::startByKey));
        }
        // tasks: the list, a task, its form, variables, comments and candidates; claim for oneself, complete
        rules.add(read("task"));
        rules.add(read("task/count"));
        rules.add(read("task/{task}"));
        for (String sub : TASK_READS) {
            rules.add(read("task/{task}/" + sub));
        }
        rules.add(read("task/{task}/variables/{name}"));
        rules.add(new Rule("POST", "task/{task}/claim", OperatorAllowlist::claim));
        rules.add(new Rule("POST", "task/{task}/complete", OperatorAllowlist::complete));
        rules.add(new Rule("POST", "task/{task}/submit-form", OperatorAllowlist::complete));
        // Tasklist's task lists are the filters' queries (a read, whatever the body narrows)
        rules.add(read("filter"));
        rules.add(read("filter/count"));
        rules.add(new Rule("OPTIONS", "filter", OperatorAllowlist::allow));
        rules.add(read("filter/{filter}"));
        for (String query : List.of("list", "count", "singleResult")) {
            rules.add(read("filter/{filter}/" + query));
            rules.add(new Rule("POST", "filter/{filter}/" + query, OperatorAllowlist::noExpressions));
        }
        // the webapps' header and welcome page: one's own profile, groups and password
        rules.add(read("user/{self}/profile"));
        rules.add(new Rule("PUT", "user/{self}/credentials", OperatorAllowlist::credentials));
        rules.add(new Rule("GET", "group", OperatorAllowlist::ownGroups));
        rules.add(new Rule("GET", "group/count", OperatorAllowlist::ownGroups));
        rules.add(new Rule("POST", "group", OperatorAllowlist::ownGroupsQuery));
        rules.add(read("identity/password-policy"));
        rules.add(new Rule("POST", "identity/password-policy", OperatorAllowlist::allow));
        // a task's history tab, and the result of a run one started (the preflight's checks are its variables)
        rules.add(new Rule("GET", "history/user-operation", required("taskId")));
        rules.add(new Rule("GET", "history/user-operation/count", required("taskId")));
        rules.add(read("history/process-instance/{instance}"));
        rules.add(new Rule("GET", "history/variable-instance", required("processInstanceId")));
        return List.copyOf(rules);
    }

    private static Rule read(String template) {
        return new Rule("GET", template, OperatorAllowlist::allow);
    }

    private static Verdict allow(Map<String, String> params, Call call, Engine engine) {
        return Verdict.ALLOWED;
    }

    private static Check required(String parameter) {
        return (params, call, engine) -> call.query().getOrDefault(parameter, List.of()).stream().anyMatch(v -> !v.isBlank())
                ? Verdict.ALLOWED
                : new Verdict(403, call.method() + " " + call.path() + " is open to operators only with " + parameter
                        + "= (one task's or run's entries).");
    }

    /** A query's body: any narrowing, no expression (a query's expressions are evaluated by the engine, with its beans). */
    private static Verdict noExpressions(Map<String, String> params, Call call, Engine engine) {
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        return expressionIn(body.json()).map(name -> new Verdict(400, NO_EXPRESSIONS + name + ".")).orElse(Verdict.ALLOWED);
    }

    private static Optional<String> expressionIn(JsonNode json) {
        if (json.isArray()) {
            for (JsonNode element : json) {
                Optional<String> found = expressionIn(element);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            Optional<String> found = isExpression(field.getKey()) ? Optional.of(field.getKey()) : expressionIn(field.getValue());
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static boolean isExpression(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith("expression") || lower.endsWith("expressions");
    }

    private static Verdict startByKey(Map<String, String> params, Call call, Engine engine) {
        return start(params.get("key"), call);
    }

    private static Verdict startById(Map<String, String> params, Call call, Engine engine) {
        Optional<String> key = engine.latestKey(params.get("definition"));
        if (key.isEmpty()) {
            return new Verdict(403, "Process definition " + params.get("definition") + " is not the latest version of a process operators may "
                    + "start: start it by its key (process-definition/key/{key}/start).");
        }
        return start(key.get(), call);
    }

    private static Verdict start(String key, Call call) {
        if (!SubmittedVariables.STARTS.containsKey(key)) {
            return new Verdict(403, "Operators do not start " + key + ": they start " + new TreeSet<>(SubmittedVariables.STARTS.keySet())
                    + " (the others run by timer or as a call).");
        }
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        Optional<String> problem = onlyFields(body.json(), Set.of("variables", "businessKey", "withVariablesInReturn"),
                "starting " + key + " (startInstructions, skipCustomListeners and skipIoMappings would skip its checks)");
        if (problem.isEmpty() && body.json().has("businessKey") && !body.json().get("businessKey").isTextual()) {
            problem = Optional.of("businessKey is a text.");
        }
        if (problem.isEmpty()) {
            problem = variables(body.json(), names -> SubmittedVariables.checkStart(key, names));
        }
        return problem.map(p -> new Verdict(400, p)).orElse(Verdict.ALLOWED);
    }

    private static Verdict complete(Map<String, String> params, Call call, Engine engine) {
        String taskKey = engine.taskKey(params.get("task")).orElseThrow();
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        Optional<String> problem = onlyFields(body.json(), Set.of("variables", "withVariablesInReturn"), "completing " + taskKey);
        if (problem.isEmpty()) {
            problem = variables(body.json(), names -> SubmittedVariables.checkTask(taskKey, names));
        }
        return problem.map(p -> new Verdict(400, p)).orElse(Verdict.ALLOWED);
    }

    /** Claiming is for oneself: claiming for someone else would hand them the task. */
    private static Verdict claim(Map<String, String> params, Call call, Engine engine) {
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        JsonNode userId = body.json().get("userId");
        if (body.json().size() != 1 || userId == null || !call.user().equals(userId.asText(null))) {
            return new Verdict(400, "A task is claimed for oneself: send {\"userId\": \"" + call.user() + "\"}.");
        }
        return Verdict.ALLOWED;
    }

    private static Verdict credentials(Map<String, String> params, Call call, Engine engine) {
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        return onlyFields(body.json(), Set.of("password", "authenticatedUserPassword"), "changing one's password")
                .map(p -> new Verdict(400, p)).orElse(Verdict.ALLOWED);
    }

    private static Verdict ownGroups(Map<String, String> params, Call call, Engine engine) {
        List<String> members = call.query().getOrDefault("member", List.of());
        return !members.isEmpty() && members.stream().allMatch(call.user()::equals) ? Verdict.ALLOWED
                : new Verdict(403, "Operators read their own groups only: add member=" + call.user() + ".");
    }

    private static Verdict ownGroupsQuery(Map<String, String> params, Call call, Engine engine) {
        Parsed body = parse(call);
        if (body.refusal() != null) {
            return body.refusal();
        }
        Optional<String> expression = expressionIn(body.json());
        if (expression.isPresent()) {
            return new Verdict(400, NO_EXPRESSIONS + expression.get() + ".");
        }
        JsonNode member = body.json().get("member");
        return member != null && call.user().equals(member.asText(null)) ? Verdict.ALLOWED
                : new Verdict(403, "Operators read their own groups only: send \"member\": \"" + call.user() + "\".");
    }

    private record Parsed(JsonNode json, Verdict refusal) {
    }

    /** The body as one JSON object (empty: {}); duplicate names, trailing content and anything but an object are refused. */
    private static Parsed parse(Call call) {
        byte[] bytes = call.body().get();
        if (bytes == null) {
            return new Parsed(null, new Verdict(413, "The request body is too large to be checked."));
        }
        if (bytes.length == 0) {
            return new Parsed(JSON.createObjectNode(), null);
        }
        try {
            JsonNode json = JSON.readTree(bytes);
            if (json == null || !json.isObject()) {
                return new Parsed(null, new Verdict(400, "The body must be one JSON object."));
            }
            return new Parsed(json, null);
        } catch (JacksonException e) {
            return new Parsed(null, new Verdict(400, "The body is not a JSON object this server takes: " + e.getOriginalMessage()));
        } catch (IOException e) {
            return new Parsed(null, new Verdict(400, "The body cannot be read: " + e.getMessage()));
        }
    }

    private static Optional<String> onlyFields(JsonNode body, Set<String> allowed, String what) {
        Set<String> refused = new TreeSet<>();
        body.fieldNames().forEachRemaining(refused::add);
        refused.removeAll(allowed);
        return refused.isEmpty() ? Optional.empty()
                : Optional.of("Fields " + refused + " cannot be sent when " + what + ": only " + new TreeSet<>(allowed) + ".");
    }

    /** The names under "variables", checked by {@code names}; each value a plain one: {"value": text, number, boolean or null, "type"}. */
    private static Optional<String> variables(JsonNode body, Function<Set<String>, Optional<String>> names) {
        JsonNode variables = body.get("variables");
        if (variables == null || variables.isNull()) {
            return names.apply(Set.of());
        }
        if (!variables.isObject()) {
            return Optional.of("\"variables\" is an object of name: {\"value\": ..., \"type\": ...}.");
        }
        Set<String> sent = new TreeSet<>();
        variables.fieldNames().forEachRemaining(sent::add);
        Optional<String> refused = names.apply(sent);
        if (refused.isPresent()) {
            return refused;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = variables.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> v = it.next();
            Optional<String> problem = valueProblem(v.getValue());
            if (problem.isPresent()) {
                return Optional.of("Variable " + v.getKey() + ": " + problem.get());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> valueProblem(JsonNode v) {
        if (!v.isObject()) {
            return Optional.of("send {\"value\": ..., \"type\": ...}.");
        }
        Set<String> fields = new TreeSet<>();
        v.fieldNames().forEachRemaining(fields::add);
        fields.removeAll(Set.of("value", "type", "valueInfo"));
        if (!fields.isEmpty()) {
            return Optional.of("only value, type and valueInfo are taken, not " + fields + ".");
        }
        if (v.has("value") && v.get("value").isContainerNode()) {
            return Optional.of("the value is a text, number, boolean or null, not an object or a list.");
        }
        JsonNode type = v.get("type");
        if (type != null && !type.isNull()) {
            String name = type.asText("");
            String restName = name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
            if (!type.isTextual() || !PLAIN_TYPES.contains(restName)) {
                return Optional.of("type " + type + " is not taken: String, Boolean, Integer, Long, Short, Double, Date or Null.");
            }
        }
        JsonNode info = v.get("valueInfo");
        if (info != null && !info.isNull() && !(info.isObject() && info.isEmpty())) {
            return Optional.of("valueInfo is not taken (transient or serialized values are not for operators).");
        }
        return Optional.empty();
    }

    private static Verdict forbidden(Call call) {
        return new Verdict(403, call.method() + " " + call.path() + " is not among the calls operators may make: they start "
                + "processes, work on their tasks (Tasklist) and use /api/backups (docs/security.md). Administrators (camunda-admin) may.");
    }

    @FunctionalInterface
    private interface Check {
        Verdict apply(Map<String, String> params, Call call, Engine engine);
    }

    /** A method and a path template below an engine root: literal segments, {@code {x}} any one (ids checked), {@code {self}} the caller's id. */
    private record Rule(String method, String template, Check check) {

        Optional<Map<String, String>> match(String method, String[] segments, String user) {
            String[] parts = template.split("/");
            if (!this.method.equals(method) || parts.length != segments.length) {
                return Optional.empty();
            }
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i];
                if (part.equals("{self}")) {
                    if (!segments[i].equals(user)) {
                        return Optional.empty();
                    }
                } else if (part.startsWith("{")) {
                    if (segments[i].isEmpty()) {
                        return Optional.empty();
                    }
                    params.put(part.substring(1, part.length() - 1), segments[i]);
                } else if (!part.equals(segments[i])) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }
    }
}
