package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.LocalHttp;
import com.llmbackup.test.WebappSession;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An operator's REST surface, probed over HTTP on the real engine: one call per engine resource
 * family and method, on the engine's REST API (HTTP Basic) and on the webapps' engine API (a
 * Tasklist login session), finds nothing beyond the allowlist (OperatorAllowlist); the calls on it
 * reach the engine; odd spellings of a path are refused; an administrator keeps every call. A
 * disaster recovery waiting at its first task gives the ids, and must be where it was afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorRestSurfaceTests extends AbstractBackupProcessTests {

    private static final String OPERATOR = "probeop";
    private static final String ADMIN = "probeadmin";
    private static final String REFUSED = "\"refusedBy\":\"" + OperatorAllowlistFilter.REFUSED_BY + "\"";
    private static final String ENGINE_REST = "/engine-rest/";
    private static final String WEBAPP = "/camunda/api/engine/engine/default/";

    @Autowired
    JdbcTemplate jdbc;

    private ProcessInstance recovery;
    private String task;
    private String definition;

    /** One recovery for the whole class (each probe checks it is still where it was). */
    @BeforeAll
    void recoveryWaitingAtItsFirstTask() {
        ensureUser(OPERATOR, "probe-pw", "operators");
        ensureUser(ADMIN, "probe-admin-pw", "camunda-admin");
        recovery = runtime.startProcessInstanceByKey("DisasterRecoveryProcess");
        management.executeJob(management.createJobQuery().processInstanceId(recovery.getId()).activityId("Task_DeclareRecovery")
                .singleResult().getId());
        task = engine.getTaskService().createTaskQuery().processInstanceId(recovery.getId()).singleResult().getId();
        definition = recovery.getProcessDefinitionId();
    }

    /** Nothing left for the other tests of this context: no instance, no open history row. */
    @AfterAll
    void recoveryRemoved() {
        for (String key : List.of("DisasterRecoveryProcess", "RestoreDrillProcess")) {
            for (var instance : runtime.createProcessInstanceQuery().processDefinitionKey(key).list()) {
                runtime.deleteProcessInstance(instance.getId(), "test cleanup");
                jdbc.update("delete from backup_history where process_instance_id = ?", instance.getId());
            }
        }
    }

    /** Family, method, path below an engine API root ({task}, {pi}, {def}: the recovery's), body. */
    static final List<String[]> FAMILIES = List.of(
            new String[] {"process-definition", "DELETE", "process-definition/key/DailyBackupProcess", null},
            new String[] {"process-definition", "PUT", "process-definition/key/DailyBackupProcess/suspended", "{\"suspended\": true}"},
            new String[] {"process-definition", "POST", "process-definition/{def}/restart", "{\"processInstanceIds\": [\"{pi}\"]}"},
            new String[] {"process-definition", "GET", "process-definition/statistics", null},
            new String[] {"process-definition", "PUT", "process-definition/{def}/history-time-to-live", "{\"historyTimeToLive\": 1}"},
            new String[] {"process-instance", "GET", "process-instance", null},
            new String[] {"process-instance", "POST", "process-instance", "{}"},
            new String[] {"process-instance", "GET", "process-instance/{pi}/variables", null},
            new String[] {"process-instance", "POST", "process-instance/{pi}/variables", "{\"modifications\": {\"x\": {\"value\": 1}}}"},
            new String[] {"process-instance", "POST", "process-instance/{pi}/modification", "{\"instructions\": []}"},
            new String[] {"process-instance", "PUT", "process-instance/{pi}/suspended", "{\"suspended\": true}"},
            new String[] {"process-instance", "DELETE", "process-instance/{pi}", null},
            new String[] {"process-instance", "POST", "process-instance/delete", "{\"processInstanceIds\": [\"{pi}\"]}"},
            new String[] {"process-instance", "PUT", "process-instance/suspended", "{\"processInstanceIds\": [\"{pi}\"], \"suspended\": true}"},
            new String[] {"process-instance", "POST", "process-instance/message-async", "{\"messageName\": \"x\"}"},
            new String[] {"task", "POST", "task/{task}/bpmnError", "{\"errorCode\": \"Err_NoRestorableSet\"}"},
            new String[] {"task", "POST", "task/{task}/bpmnEscalation", "{\"escalationCode\": \"x\"}"},
            new String[] {"task", "POST", "task/{task}/unclaim", null},
            new String[] {"task", "POST", "task/{task}/assignee", "{\"userId\": \"probeop\"}"},
            new String[] {"task", "POST", "task/{task}/delegate", "{\"userId\": \"probeop\"}"},
            new String[] {"task", "PUT", "task/{task}/variables/dockerInstalled", "{\"value\": true}"},
            new String[] {"task", "POST", "task/{task}/localVariables", "{\"modifications\": {}}"},
            new String[] {"task", "PUT", "task/{task}", "{\"name\": \"renamed\"}"},
            new String[] {"task", "POST", "task/{task}/comment/create", "{\"message\": \"x\"}"},
            new String[] {"task", "POST", "task/{task}/attachment/create", "{}"},
            new String[] {"task", "POST", "task/create", "{\"id\": \"made-up\"}"},
            new String[] {"task", "POST", "task", "{}"},
            new String[] {"task", "GET", "task/report/candidate-group-count", null},
            new String[] {"variable-instance", "GET", "variable-instance", null},
            new String[] {"execution", "GET", "execution", null},
            new String[] {"execution", "POST", "execution/{pi}/signal", "{}"},
            new String[] {"job", "GET", "job", null},
            new String[] {"job", "POST", "job/retries", "{\"processInstances\": [\"{pi}\"], \"retries\": 0}"},
            new String[] {"job", "PUT", "job/suspended", "{\"processInstanceId\": \"{pi}\", \"suspended\": true}"},
            new String[] {"job-definition", "GET", "job-definition", null},
            new String[] {"job-definition", "PUT", "job-definition/suspended", "{\"processDefinitionKey\": \"DailyBackupProcess\", \"suspended\": true}"},
            new String[] {"incident", "GET", "incident", null},
            new String[] {"incident", "POST", "incident", "{}"},
            new String[] {"deployment", "GET", "deployment", null},
            new String[] {"deployment", "POST", "deployment/create", "{}"},
            new String[] {"deployment", "DELETE", "deployment/x", null},
            new String[] {"message", "POST", "message", "{\"messageName\": \"x\", \"all\": true}"},
            new String[] {"signal", "POST", "signal", "{\"name\": \"x\"}"},
            new String[] {"authorization", "GET", "authorization", null},
            new String[] {"authorization", "POST", "authorization/create", "{\"type\": 1, \"permissions\": [\"ALL\"], \"userId\": \"probeop\", \"resourceType\": 0, \"resourceId\": \"*\"}"},
            new String[] {"user", "GET", "user", null},
            new String[] {"user", "GET", "user/probeadmin/profile", null},
            new String[] {"user", "POST", "user/create", "{\"profile\": {\"id\": \"intruder\"}, \"credentials\": {\"password\": \"x\"}}"},
            new String[] {"user", "PUT", "user/probeop/profile", "{\"id\": \"probeop\", \"firstName\": \"x\"}"},
            new String[] {"user", "DELETE", "user/probeadmin", null},
            new String[] {"group", "POST", "group/create", "{\"id\": \"intruders\"}"},
            new String[] {"group", "PUT", "group/camunda-admin/members/probeop", null},
            new String[] {"tenant", "GET", "tenant", null},
            new String[] {"tenant", "POST", "tenant/create", "{\"id\": \"t\"}"},
            new String[] {"filter", "POST", "filter/create", "{\"resourceType\": \"Task\", \"name\": \"x\", \"query\": {}}"},
            new String[] {"filter", "DELETE", "filter/x", null},
            new String[] {"history", "GET", "history/process-instance", null},
            new String[] {"history", "POST", "history/process-instance/delete", "{\"historicProcessInstanceIds\": [\"x\"]}"},
            new String[] {"history", "DELETE", "history/process-instance/{pi}", null},
            new String[] {"history", "GET", "history/task", null},
            new String[] {"history", "GET", "history/activity-instance", null},
            new String[] {"history", "GET", "history/detail", null},
            new String[] {"history", "GET", "history/job-log", null},
            new String[] {"history", "GET", "history/incident", null},
            new String[] {"history", "GET", "history/identity-link-log", null},
            new String[] {"history", "GET", "history/decision-instance", null},
            new String[] {"history", "POST", "history/cleanup", null},
            new String[] {"history", "POST", "history/batch/set-removal-time", "{}"},
            new String[] {"external-task", "GET", "external-task", null},
            new String[] {"external-task", "POST", "external-task/fetchAndLock", "{\"workerId\": \"w\", \"maxTasks\": 1, \"topics\": []}"},
            new String[] {"external-task", "PUT", "external-task/retries", "{\"retries\": 0}"},
            new String[] {"decision-definition", "GET", "decision-definition", null},
            new String[] {"decision-definition", "POST", "decision-definition/key/RetentionDecision/evaluate", "{\"variables\": {}}"},
            new String[] {"decision-requirements-definition", "GET", "decision-requirements-definition", null},
            new String[] {"case-definition", "GET", "case-definition", null},
            new String[] {"batch", "GET", "batch", null},
            new String[] {"batch", "PUT", "batch/suspended", "{\"suspended\": true}"},
            new String[] {"migration", "POST", "migration/generate", "{}"},
            new String[] {"migration", "POST", "migration/execute", "{}"},
            new String[] {"modification", "POST", "modification/execute", "{}"},
            new String[] {"restart", "POST", "process-definition/{def}/restart-async", "{}"},
            new String[] {"condition", "POST", "condition", "{\"variables\": {}}"},
            new String[] {"telemetry", "GET", "telemetry/data", null},
            new String[] {"metrics", "GET", "metrics/activity-instance/sum", null},
            new String[] {"metrics", "DELETE", "metrics/task-worker", null},
            new String[] {"schema-log", "GET", "schema/log", null},
            new String[] {"event-subscription", "GET", "event-subscription", null},
            new String[] {"identity", "GET", "identity/groups?userId=probeadmin", null},
            new String[] {"identity", "POST", "identity/verify", "{\"username\": \"probeadmin\", \"password\": \"x\"}"},
            new String[] {"version", "GET", "version", null},
            new String[] {"wadl", "GET", "application.wadl", null});

    static Stream<Arguments> probes() {
        List<Arguments> probes = new ArrayList<>();
        for (String[] family : FAMILIES) {
            for (String root : List.of(ENGINE_REST, WEBAPP)) {
                probes.add(Arguments.of(family[0], family[1], root + family[2], family[3]));
            }
        }
        return probes.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("probes")
    void callBeyondTheAllowlistWhenMadeByAnOperatorIsRefusedAndChangesNothing(String family, String method, String path, String body)
            throws Exception {
        HttpResponse<String> response = asOperator(method, ids(path), body == null ? null : ids(body));

        assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isIn(403, 404);
        assertThat(response.body()).contains(REFUSED);
        assertThat(runtime.getActiveActivityIds(recovery.getId())).containsExactly("Task_InstallPlatform");
        assertThat(runtime.createProcessInstanceQuery().processInstanceId(recovery.getId()).active().count()).isEqualTo(1);
        assertThat(identity.createUserQuery().userId("intruder").count()).isZero();
        assertThat(identity.createUserQuery().userId(OPERATOR).memberOfGroup("camunda-admin").count()).isZero();
    }

    /** The webapps' other APIs: Cockpit's and Admin's plugins, Admin's setup. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "GET | /camunda/api/cockpit/plugin/base/default/process-definition/statistics-count | -",
            "POST | /camunda/api/cockpit/plugin/base/default/process-instance | {}",
            "GET | /camunda/api/cockpit/plugin/base/default/incident | -",
            "GET | /camunda/api/admin/plugin/adminPlugins/default/metrics/sum | -",
            "POST | /camunda/api/admin/setup/default/user/create | {\"profile\": {\"id\": \"intruder\"}, \"credentials\": {\"password\": \"x\"}}",
            "GET | /camunda/api/engine/engine/other/task | -"})
    void webappCallBeyondTheAllowlistWhenMadeByAnOperatorIsRefused(String method, String path, String body) throws Exception {
        HttpResponse<String> response = webapp(OPERATOR, "probe-pw").send(method, path, body);

        assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isEqualTo(403);
        assertThat(response.body()).contains(REFUSED);
    }

    /** Tasklist's and the admin page's own calls still reach the engine, on both APIs. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "GET | task?processInstanceId={pi} | 200 | Task_InstallPlatform",
            "GET | task/{task}/form-variables | 200 | declaredBy",
            "GET | task/{task}/deployed-form | 200 | dockerInstalled",
            "GET | filter?resourceType=Task | 200 | All tasks",
            "GET | process-definition?latest=true&startableInTasklist=true&startablePermissionCheck=true | 200 | RestoreDrillProcess",
            "GET | process-definition/{def}/xml | 200 | bpmn20Xml",
            "GET | user/probeop/profile | 200 | probeop",
            "GET | history/process-instance/{pi} | 200 | DisasterRecoveryProcess",
            "GET | history/variable-instance?processInstanceId={pi} | 200 | declaredBy",
            "GET | history/user-operation?taskId={task} | 200 | []",
            "GET | group?member=probeop | 200 | ["})
    void callOnTheAllowlistWhenMadeByAnOperatorReachesTheEngine(String method, String path, int status, String expected) throws Exception {
        for (String root : List.of(ENGINE_REST, WEBAPP)) {
            HttpResponse<String> response = asOperator(method, ids(root + path), null);

            assertThat(response.statusCode()).as("%s %s: %s", method, root + path, response.body()).isEqualTo(status);
            assertThat(response.body()).contains(expected);
        }
    }

    /** Finding 7: the admin page offers "Verify now" to operators; the drill starts for them with its start form's variables. */
    @Test
    void drillWhenStartedByAnOperatorWithItsFormsVariablesStarts() throws Exception {
        HttpResponse<String> started = LocalHttp.call(port, "POST", "/engine-rest/process-definition/key/RestoreDrillProcess/start",
                OPERATOR + ":probe-pw", "{\"variables\": {\"backupKind\": {\"value\": \"daily\"}, \"backupId\": {\"value\": \"20251031\"}}}");

        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        String pi = json.readTree(started.body()).get("id").asText();
        assertThat(runtime.getVariable(pi, "backupId")).isEqualTo("20251031");
        assertThat(engine.getHistoryService().createHistoricProcessInstanceQuery().processInstanceId(pi).singleResult().getStartUserId())
                .isEqualTo(OPERATOR);
    }

    /** Cockpit's calls are not on the list: operators no longer get the application (a grant of earlier versions is removed). */
    @Test
    void cockpitWhenAnOperatorLogsInIsNotAmongTheirApps() throws Exception {
        JsonNode login = json.readTree(webapp(OPERATOR, "probe-pw").login().body());

        assertThat(login.get("authorizedApps").toString()).contains("tasklist").doesNotContain("cockpit");
        assertThat(WebappSession.logIn("http://127.0.0.1:" + port, "cockpit", OPERATOR, "probe-pw").login().statusCode()).isEqualTo(403);
    }

    /** What the admin page asks to disable what a user may not do. */
    @Test
    void meWhenAskedTellsWhatTheUserMayNotDoAndWhy() throws Exception {
        ensureUser("probeguest", "probe-guest-pw", null);
        JsonNode operator = json.readTree(LocalHttp.call(port, "GET", "/api/backups/me", OPERATOR + ":probe-pw", null).body());
        JsonNode guest = json.readTree(LocalHttp.call(port, "GET", "/api/backups/me", "probeguest:probe-guest-pw", null).body());
        JsonNode admin = json.readTree(LocalHttp.call(port, "GET", "/api/backups/me", ADMIN + ":probe-admin-pw", null).body());

        assertThat(operator.get("userId").asText()).isEqualTo(OPERATOR);
        assertThat(operator.get("refused").fieldNames()).toIterable().containsExactly("cockpit");
        assertThat(operator.at("/refused/cockpit/code").asText()).isEqualTo("admins_only");
        assertThat(guest.get("refused").fieldNames()).toIterable().containsExactly("restore", "verify", "pin", "base_backup", "cockpit");
        assertThat(guest.at("/refused/restore/message").asText()).contains("group operators");
        assertThat(admin.get("refused").size()).isZero();
        assertThat(admin.get("admin").asBoolean()).isTrue();
    }

    /**
     * A curl user's tricks on the task waiting in the recovery: each spelling of bpmnError (or another
     * method) is refused before the engine reads it, and the recovery stays at its task.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "POST | /engine-rest/task/{task}/bpmnError;x=1 | - | 400",
            "POST | /engine-rest;x=1/task/{task}/bpmnError | - | 400",
            "POST | http://127.0.0.1:{port}/engine-rest/task/{task}/bpmnError | - | 403",
            "POST | /engine-rest/task/{task};x=1/bpmnError | - | 400",
            "POST | /engine-rest/task/{task}/bpmnError;jsessionid=ABC | - | 400",
            "POST | /engine-rest/task/{task}/%62pmnError | - | 403",
            "POST | /engine-rest/task/{task}/bpmn%45rror | - | 403",
            "POST | /engine-rest/task/{task}/bpmnError/ | - | 403",
            "POST | /engine-rest/task/{task}/BPMNERROR | - | 403",
            "POST | /engine-rest//task/{task}/bpmnError | - | 400",
            "POST | /engine-rest/task/{task}/./bpmnError | - | 400",
            "POST | /engine-rest/task/{task}/x/../bpmnError | - | 400",
            "POST | /engine-rest/task/{task}/%2e%2e/{task}/bpmnError | - | 400",
            "POST | /engine-rest/filter/x/%2F../../task/{task}/bpmnError | - | 400",
            "POST | /engine-rest/engine/default/task/{task}/bpmnError | - | 403",
            "POST | /engine-rest/task/{task}/submit-form | X-HTTP-Method-Override: DELETE | 400",
            "POST | /engine-rest/task/{task}/complete | X-HTTP-Method: PUT | 400",
            "POST | /engine-rest/task/{task}/complete?_method=DELETE | - | 400",
            "DELETE | /engine-rest/process-instance/{pi} | - | 403",
            "HEAD | /engine-rest/user | - | 403",
            "OPTIONS | /engine-rest/task/{task} | - | 403",
            "PATCH | /engine-rest/task/{task} | - | 403"})
    void taskEndedOrChangedThroughAnOddSpellingWhenTriedByAnOperatorIsRefusedAndStays(String method, String path, String header,
                                                                                   int status) throws Exception {
        LocalHttp.RawResponse response = LocalHttp.raw(port, method, ids(path), OPERATOR + ":probe-pw",
                "{\"errorCode\": \"Err_NoRestorableSet\", \"variables\": {}}", header == null ? new String[0] : new String[] {header});

        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(status);
        if (!method.equals("HEAD") && !path.contains("%2F")) { // HEAD has no body; Tomcat itself refuses an escaped slash
            assertThat(response.body()).contains(REFUSED);
        }
        assertThat(runtime.getActiveActivityIds(recovery.getId())).containsExactly("Task_InstallPlatform");
        Task waiting = engine.getTaskService().createTaskQuery().taskId(task).singleResult();
        assertThat(waiting).isNotNull();
    }

    /** A query's expressions are evaluated by the engine, with its beans: refused from operators, in a query string or a filter's body. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "GET | task?assigneeExpression=%24%7BcurrentUser()%7D | -",
            "POST | filter/{filter}/list | {\"assigneeExpression\": \"${currentUser()}\"}",
            "POST | filter/{filter}/count | {\"orQueries\": [{\"candidateGroupsExpression\": \"${currentUserGroups()}\"}]}"})
    void queryWithAnExpressionWhenSentByAnOperatorIsRefused(String method, String path, String body) throws Exception {
        String filter = engine.getFilterService().createTaskFilterQuery().filterName("All tasks").singleResult().getId();
        for (String root : List.of(ENGINE_REST, WEBAPP)) {
            HttpResponse<String> response = asOperator(method, ids(root + path).replace("{filter}", filter), body);

            assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(400);
            assertThat(response.body()).contains(REFUSED).contains("Expression");
        }
    }

    /** Administrators (camunda-admin) keep every call, on both APIs. */
    @Test
    void callBeyondTheAllowlistWhenMadeByAnAdministratorReachesTheEngine() throws Exception {
        assertThat(LocalHttp.call(port, "GET", "/engine-rest/user", ADMIN + ":probe-admin-pw", null).statusCode()).isEqualTo(200);
        assertThat(LocalHttp.call(port, "GET", "/engine-rest/process-instance/" + recovery.getId() + "/variables",
                ADMIN + ":probe-admin-pw", null).statusCode()).isEqualTo(200);
        WebappSession admin = webapp(ADMIN, "probe-admin-pw");
        assertThat(admin.send("GET", "/camunda/api/cockpit/plugin/base/default/process-definition/statistics-count", null).statusCode())
                .isEqualTo(200);
        assertThat(admin.send("GET", WEBAPP + "authorization", null).statusCode()).isEqualTo(200);
    }

    private String ids(String text) {
        return text.replace("{task}", task).replace("{pi}", recovery.getId()).replace("{def}", definition)
                .replace("{port}", String.valueOf(port));
    }

    private HttpResponse<String> asOperator(String method, String path, String body) throws Exception {
        if (path.startsWith(WEBAPP)) {
            return webapp(OPERATOR, "probe-pw").send(method, path, body);
        }
        return LocalHttp.call(port, method, path, OPERATOR + ":probe-pw", body);
    }

    private WebappSession webapp(String user, String password) throws Exception {
        WebappSession session = WebappSession.logIn("http://127.0.0.1:" + port, "tasklist", user, password);
        assertThat(session.login().statusCode()).as(session.login().body()).isEqualTo(200);
        return session;
    }
}
