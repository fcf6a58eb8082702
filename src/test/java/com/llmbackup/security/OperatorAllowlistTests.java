package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operators' allowlist as a pure judge: every rule allows its call (on each engine API root),
 * and each refusal answers with its status and why. The engine's answers about ids are a table:
 * t-approve is an open Task_ApproveRestore, RestoreProcess:2:new the latest RestoreProcess.
 */
class OperatorAllowlistTests {

    private static final String USER = "olga";
    private static final OperatorAllowlist ALLOWLIST = new OperatorAllowlist("default");
    private static final Map<String, String> TASKS = Map.of("t-approve", "Task_ApproveRestore",
            "t-interrupted", "Task_ResolveInterruptedRestore", "t-install", "Task_InstallPlatform", "t-other", "Task_SomethingElse");
    private static final Map<String, String> LATEST = Map.of("RestoreProcess:2:new", "RestoreProcess",
            "PreflightProcess:1:p", "PreflightProcess", "BackupRunProcess:1:r", "BackupRunProcess");
    private static final Set<String> DEFINITIONS = Set.of("RestoreProcess:2:new", "RestoreProcess:1:old", "PreflightProcess:1:p",
            "BackupRunProcess:1:r");
    private static final OperatorAllowlist.Engine ENGINE = new OperatorAllowlist.Engine() {
        @Override
        public Optional<String> taskKey(String taskId) {
            return Optional.ofNullable(TASKS.get(taskId));
        }

        @Override
        public boolean definitionExists(String definitionId) {
            return DEFINITIONS.contains(definitionId);
        }

        @Override
        public Optional<String> latestKey(String definitionId) {
            return Optional.ofNullable(LATEST.get(definitionId));
        }

        @Override
        public boolean filterExists(String filterId) {
            return filterId.equals("f-1");
        }

        @Override
        public boolean processInstanceExists(String processInstanceId) {
            return processInstanceId.equals("pi-1");
        }
    };
    private static final List<String> ROOTS = List.of("/engine-rest/", "/engine-rest/engine/default/", "/camunda/api/engine/engine/default/");

    static OperatorAllowlist.Verdict judge(String method, String path, String query, String body, String user) {
        return ALLOWLIST.judge(new OperatorAllowlist.Call(method, path, OperatorAllowlistFilter.query(query),
                () -> body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8), user), ENGINE);
    }

    /** Every rule, with ids, a query and a body it allows, below each root. */
    static Stream<Arguments> rules() {
        List<Arguments> calls = new ArrayList<>();
        for (String rule : OperatorAllowlist.listed()) {
            String method = rule.substring(0, rule.indexOf(' '));
            String template = rule.substring(rule.indexOf(' ') + 1);
            String path = template.replace("{self}", USER).replace("{key}", "RestoreProcess").replace("{name}", "restoreSummary")
                    .replace("{task}", "t-approve").replace("{definition}", "RestoreProcess:2:new").replace("{filter}", "f-1")
                    .replace("{instance}", "pi-1");
            String query = switch (template) {
                case "history/user-operation", "history/user-operation/count" -> "taskId=t-approve&maxResults=50";
                case "history/variable-instance" -> "processInstanceId=pi-1";
                case "group", "group/count" -> "member=" + USER + "&maxResults=25";
                default -> null;
            };
            String body = !method.equals("POST") && !method.equals("PUT") ? null
                    : template.endsWith("/start") || template.endsWith("/submit-form") && template.startsWith("process")
                    ? "{\"variables\": {\"backupKind\": {\"value\": \"daily\", \"type\": \"String\", \"valueInfo\": {}}, "
                            + "\"backupId\": {\"value\": \"20251031\"}}, \"businessKey\": \"by-olga\"}"
                    : template.endsWith("/complete") || template.endsWith("/submit-form")
                    ? "{\"variables\": {\"approved\": {\"value\": true, \"type\": \"Boolean\"}}, \"withVariablesInReturn\": false}"
                    : template.endsWith("/claim") ? "{\"userId\": \"" + USER + "\"}"
                    : template.endsWith("/credentials") ? "{\"password\": \"new\", \"authenticatedUserPassword\": \"old\"}"
                    : template.equals("group") ? "{\"member\": \"" + USER + "\", \"firstResult\": 0}"
                    : "{\"sorting\": [{\"sortBy\": \"created\", \"sortOrder\": \"desc\"}]}";
            for (String root : ROOTS) {
                calls.add(Arguments.of(method, root + path, query, body));
            }
        }
        return calls.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rules")
    void judgeWhenCallIsOnTheListAllowsIt(String method, String path, String query, String body) {
        OperatorAllowlist.Verdict verdict = judge(method, path, query, body, USER);

        assertThat(verdict.reason()).as("%s %s", method, path).isNull();
    }

    static Stream<String> listed() {
        return OperatorAllowlist.listed().stream();
    }

    /** docs/security.md names every call operators may make, as the list spells it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("listed")
    void ruleWhenOnTheListIsDocumented(String rule) throws Exception {
        assertThat(Files.readString(Path.of("docs/security.md"))).contains("`" + rule + "`");
    }

    @ParameterizedTest(name = "{0} {1} ({2})")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "GET | /engine-rest/engine | -",
            "GET | /camunda/api/engine/engine | -",
            "GET | /camunda/api/admin/auth/user/default | -",
            "POST | /camunda/api/admin/auth/user/default/login/tasklist | -",
            "POST | /camunda/api/admin/auth/user/default/logout | -",
            "GET | /camunda/api/tasklist/plugin/tasklistPlugins/static/app/plugin.js | -",
            "GET | /camunda/api/cockpit/plugin/cockpitPlugins/static/app/plugin.css | -",
            "GET | /api/backups | olga",
            "GET | /api/backups/me | olga",
            "GET | /api/backups/recovery-window | olga",
            "PUT | /api/backups/daily/20251031/pin | olga",
            "DELETE | /api/backups/daily/20251031/pin | olga"})
    void judgeWhenCallIsOpenOrTheOrchestratorsAllowsIt(String method, String path, String user) {
        assertThat(judge(method, path, null, null, user).reason()).isNull();
    }

    /** The admin page's "Take a base backup now" starts a weekly with no variables (issue 26). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("roots")
    void judgeWhenPageStartsWeeklyForBaseBackupAllowsIt(String root) {
        OperatorAllowlist.Verdict verdict = judge("POST", root + "process-definition/key/WeeklyBackupProcess/start", null,
                "{\"variables\": {}}", USER);

        assertThat(verdict.reason()).isNull();
    }

    static Stream<String> roots() {
        return ROOTS.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // finding 3: ending or escalating a user task from outside its form
            "POST | /engine-rest/task/t-approve/bpmnError | - | {\"errorCode\": \"Err_RestoreRefused\"} | 403 | is not among the calls operators may make",
            "POST | /engine-rest/task/t-interrupted/bpmnError | - | {\"errorCode\": \"x\"} | 403 | is not among the calls",
            "POST | /camunda/api/engine/engine/default/task/t-interrupted/bpmnEscalation | - | {\"escalationCode\": \"x\"} | 403 | is not among",
            "POST | /engine-rest/task/t-approve/bpmnEscalation | - | {} | 403 | is not among",
            // finding 2: a start that names another run's row
            "POST | /engine-rest/process-definition/key/BackupCleanupProcess/start | - | {\"variables\": {\"runId\": {\"value\": 7}}} | 400 | Variables [runId] cannot be sent when starting BackupCleanupProcess: only [dryRun]",
            "POST | /engine-rest/process-definition/key/DailyBackupProcess/start | - | {\"variables\": {\"runId\": {\"value\": 7}}} | 400 | only [] are taken",
            "POST | /engine-rest/process-definition/key/RestoreDrillProcess/start | - | {\"variables\": {\"drillRuns\": {\"value\": \"7\"}}} | 400 | Variables [drillRuns]",
            // starts: only the listed processes, latest versions, at their start event, plain values
            "POST | /engine-rest/process-definition/key/BackupRunProcess/start | - | {} | 403 | Operators do not start BackupRunProcess",
            "POST | /engine-rest/process-definition/BackupRunProcess:1:r/start | - | {} | 403 | Operators do not start BackupRunProcess",
            "POST | /engine-rest/process-definition/key/NewProcess/submit-form | - | {} | 403 | Operators do not start NewProcess",
            "POST | /engine-rest/process-definition/RestoreProcess:1:old/start | - | {} | 403 | is not the latest version",
            "POST | /engine-rest/process-definition/key/start | - | {} | 404 | No process definition key.",
            "POST | /engine-rest/process-definition/key/RestoreProcess/tenant-id/t/start | - | {} | 403 | is not among",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"startInstructions\": []} | 400 | Fields [startInstructions] cannot be sent",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"skipCustomListeners\": true} | 400 | Fields [skipCustomListeners]",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"Variables\": {\"requestedBy\": {\"value\": \"bob\"}}} | 400 | Fields [Variables]",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"businessKey\": {\"a\": 1}} | 400 | businessKey is a text",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": {\"a\": 1}}}} | 400 | the value is a text, number",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": \"x\", \"type\": \"Object\"}}} | 400 | type \"Object\" is not taken",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": \"x\", \"type\": \"Json\"}}} | 400 | is not taken",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": \"x\", \"valueInfo\": {\"transient\": true}}}} | 400 | valueInfo is not taken",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": \"x\"}} | 400 | send {\"value\"",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": \"x\", \"objectTypeName\": \"a.B\"}}} | 400 | only value, type and valueInfo",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {\"variables\": {\"backupId\": {\"value\": \"1\"}}, \"variables\": {\"requestedBy\": {\"value\": \"bob\"}}} | 400 | Duplicate field",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | {} {\"variables\": {\"requestedBy\": {\"value\": \"bob\"}}} | 400 | not a JSON object",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | [1] | 400 | one JSON object",
            "POST | /engine-rest/process-definition/key/RestoreProcess/start | - | backupId=1 | 400 | not a JSON object",
            // tasks: a listed task with its own variables, claimed for oneself
            "POST | /engine-rest/task/t-approve/complete | - | {\"variables\": {\"requestedBy\": {\"value\": \"bob\"}}} | 400 | Variables [requestedBy] cannot be sent when completing Task_ApproveRestore",
            "POST | /engine-rest/task/t-other/complete | - | {} | 400 | Nothing can be sent when completing Task_SomethingElse",
            "POST | /engine-rest/task/t-gone/submit-form | - | {} | 404 | No open task t-gone.",
            // a word of the engine's API where a rule has an id is another resource
            "GET | /engine-rest/process-definition/statistics | - | - | 404 | No process definition statistics.",
            "GET | /engine-rest/process-definition/count/xml | - | - | 404 | No process definition count.",
            "GET | /engine-rest/task/report/comment | - | - | 404 | No open task report.",
            "GET | /engine-rest/filter/create/list | - | - | 404 | No filter create.",
            "GET | /engine-rest/history/process-instance/report | - | - | 404 | No process instance report.",
            "GET | /engine-rest/history/process-instance/count | - | - | 404 | No process instance count.",
            "POST | /engine-rest/task/t-approve/complete | - | {\"variables\": {}, \"skipCustomListeners\": true} | 400 | Fields [skipCustomListeners]",
            "POST | /engine-rest/task/t-approve/claim | - | {\"userId\": \"bob\"} | 400 | claimed for oneself",
            "POST | /engine-rest/task/t-approve/claim | - | {} | 400 | claimed for oneself",
            "POST | /engine-rest/task/t-approve/unclaim | - | - | 403 | is not among",
            "POST | /engine-rest/task/t-approve/assignee | - | {\"userId\": \"olga\"} | 403 | is not among",
            "POST | /engine-rest/task/t-approve/delegate | - | {\"userId\": \"bob\"} | 403 | is not among",
            "POST | /engine-rest/task/t-approve/resolve | - | {} | 403 | is not among",
            "POST | /engine-rest/task/t-approve/variables | - | {\"modifications\": {}} | 403 | is not among",
            "PUT | /engine-rest/task/t-approve/variables/approved | - | {\"value\": true} | 403 | is not among",
            "PUT | /engine-rest/task/t-approve | - | {\"name\": \"x\"} | 403 | is not among",
            "POST | /engine-rest/task/t-approve/comment/create | - | {\"message\": \"x\"} | 403 | is not among",
            "POST | /engine-rest/task | - | {} | 403 | is not among",
            "POST | /engine-rest/task/create | - | {} | 403 | is not among",
            "GET | /engine-rest/task/report/candidate-group-count | - | - | 403 | is not among",
            // a query's expressions are evaluated by the engine (with its beans): never from an operator
            "GET | /engine-rest/task | assigneeExpression=${currentUser()} | - | 400 | Queries with expressions are not taken from operators: assigneeExpression.",
            "GET | /engine-rest/task/count | candidateGroupsExpression=x | - | 400 | candidateGroupsExpression",
            "POST | /engine-rest/filter/f-1/list | - | {\"assigneeExpression\": \"${1}\"} | 400 | assigneeExpression",
            "POST | /engine-rest/filter/f-1/count | - | {\"orQueries\": [{\"dueAfterExpression\": \"${x}\"}]} | 400 | dueAfterExpression",
            "POST | /engine-rest/group | - | {\"member\": \"olga\", \"idExpression\": \"x\"} | 400 | idExpression",
            // reads outside one's own
            "GET | /engine-rest/user | - | - | 403 | is not among",
            "GET | /engine-rest/user/bob/profile | - | - | 403 | is not among",
            "PUT | /engine-rest/user/olga/profile | - | {\"id\": \"olga\"} | 403 | is not among",
            "PUT | /engine-rest/user/bob/credentials | - | {\"password\": \"x\"} | 403 | is not among",
            "PUT | /engine-rest/user/olga/credentials | - | {\"password\": \"x\", \"id\": \"bob\"} | 400 | Fields [id]",
            "GET | /engine-rest/group | - | - | 403 | their own groups",
            "GET | /engine-rest/group | member=olga&member=bob | - | 403 | their own groups",
            "GET | /engine-rest/group/count | member=bob | - | 403 | their own groups",
            "POST | /engine-rest/group | - | {\"member\": \"bob\"} | 403 | their own groups",
            "GET | /engine-rest/history/user-operation | - | - | 403 | only with taskId",
            "GET | /engine-rest/history/user-operation | taskId= | - | 403 | only with taskId",
            "GET | /engine-rest/history/variable-instance | variableName=x | - | 403 | only with processInstanceId",
            "GET | /engine-rest/history/process-instance | - | - | 403 | is not among",
            "DELETE | /engine-rest/history/process-instance/pi-1 | - | - | 403 | is not among",
            "GET | /engine-rest/identity/groups | userId=bob | - | 403 | is not among",
            "POST | /engine-rest/identity/verify | - | {\"username\": \"bob\", \"password\": \"x\"} | 403 | is not among",
            // acting on many instances, other families
            "POST | /engine-rest/process-instance/delete | - | {} | 403 | is not among",
            "PUT | /engine-rest/process-instance/suspended | - | {\"suspended\": true} | 403 | is not among",
            "POST | /engine-rest/process-definition/RestoreProcess:2:new/restart | - | {} | 403 | is not among",
            "DELETE | /engine-rest/process-definition/key/RestoreProcess | - | - | 403 | is not among",
            "PUT | /engine-rest/process-definition/key/RestoreProcess/suspended | - | {} | 403 | is not among",
            "POST | /engine-rest/message | - | {\"messageName\": \"x\", \"all\": true} | 403 | is not among",
            "POST | /engine-rest/signal | - | {\"name\": \"x\"} | 403 | is not among",
            "POST | /engine-rest/job/retries | - | {} | 403 | is not among",
            "GET | /engine-rest/authorization | - | - | 403 | is not among",
            "POST | /engine-rest/filter/create | - | {} | 403 | is not among",
            "DELETE | /engine-rest/filter/f-1 | - | - | 403 | is not among",
            "GET | /engine-rest/version | - | - | 403 | is not among",
            "GET | /engine-rest/application.wadl | - | - | 403 | is not among",
            "GET | /engine-rest | - | - | 403 | is not among",
            "GET | /engine-rest/engine/other/task | - | - | 403 | is not among",
            "GET | /camunda/api/engine/engine/other/task | - | - | 403 | is not among",
            // methods Tasklist does not use
            "HEAD | /engine-rest/task | - | - | 403 | is not among",
            "OPTIONS | /engine-rest/task | - | - | 403 | is not among",
            "PATCH | /engine-rest/task/t-approve | - | {} | 403 | is not among",
            // the webapps' other APIs
            "GET | /camunda/api/cockpit/plugin/base/default/process-definition/statistics | - | - | 403 | is not among",
            "POST | /camunda/api/cockpit/plugin/base/default/process-instance | - | {} | 403 | is not among",
            "GET | /camunda/api/admin/plugin/adminPlugins/default/metrics/sum | - | - | 403 | is not among",
            "POST | /camunda/api/admin/setup/default/user/create | - | {} | 403 | is not among",
            "POST | /camunda/api/admin/auth/user/default/login/other | - | - | 403 | is not among",
            "GET | /camunda/api/welcome/plugin/welcomePlugins/default/x | - | - | 403 | is not among",
            "GET | /camunda/api/tasklist/plugin/tasklistPlugins/default/x | - | - | 403 | is not among",
            // the orchestrator's API: its own paths only
            "PATCH | /api/backups | - | {} | 403 | is not among",
            "GET | /api/other | - | - | 403 | is not among"})
    void judgeWhenCallIsNotOnTheListRefusesSayingWhy(String method, String path, String query, String body, int status, String why) {
        OperatorAllowlist.Verdict verdict = judge(method, path, query, body, USER);

        assertThat(verdict.status()).as("%s %s: %s", method, path, verdict.reason()).isEqualTo(status);
        assertThat(verdict.reason()).contains(why);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /engine-rest/task", "POST, /engine-rest/process-definition/key/PreflightProcess/start",
            "GET, /camunda/api/engine/engine/default/filter", "GET, /api/backups"})
    void judgeWhenNobodyIsLoggedInAsksForTheLogin(String method, String path) {
        OperatorAllowlist.Verdict verdict = judge(method, path, null, "{}", null);

        assertThat(verdict.status()).isEqualTo(401);
        assertThat(verdict.reason()).startsWith("Log in first");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"a=1&b=2&a=3 | {a=[1, 3], b=[2]}", "mem%62er=olga | {member=[olga]}",
            "x=a+b%2Bc | {x=[a b+c]}", "flag | {flag=[]}"})
    void queryWhenReadDecodesNamesAndValuesAndKeepsRepeats(String query, String expected) {
        assertThat(OperatorAllowlistFilter.query(query).toString()).isEqualTo(expected);
    }
}
