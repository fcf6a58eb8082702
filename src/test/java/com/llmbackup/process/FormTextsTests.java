package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.test.LocalHttp;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.form.FormField;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Tasklist shows an operator reads in Korean and English: every deployed Camunda Form (as
 * the engine's REST API serves it; every file of forms/, also those added later), every user
 * task's name, the names of the processes an operator starts, and the restore's start form.
 */
class FormTextsTests extends AbstractBackupProcessTests {

    private static final Pattern HANGUL = Pattern.compile("[가-힣]");
    private static final Pattern LATIN = Pattern.compile("[A-Za-z]{2,}");

    @BeforeEach
    void admin() {
        ensureUser("formsadmin", "pw-formsadmin", "camunda-admin");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return LocalHttp.call(port, "GET", path, "formsadmin:pw-formsadmin", null);
    }

    private static boolean bilingual(String text) {
        return text != null && HANGUL.matcher(text).find() && LATIN.matcher(text).find();
    }

    @Test
    void deployedFormsWhenServedByRestCarryKoreanAndEnglish() throws Exception {
        List<String> files;
        try (Stream<Path> forms = Files.list(Path.of("forms"))) {
            files = forms.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".form")).sorted().toList();
        }
        assertThat(files).contains("restore-approval.form", "restore-failure.form", "restore-interrupted.form");
        String deployment = repository().createProcessDefinitionQuery().processDefinitionKey("RestoreProcess").latestVersion()
                .singleResult().getDeploymentId();
        JsonNode resources = json.readTree(get("/engine-rest/deployment/" + deployment + "/resources").body());
        List<String> problems = new ArrayList<>();
        for (String file : files) {
            String resourceId = null;
            for (JsonNode r : resources) {
                if (r.get("name").asText().endsWith(file)) {
                    resourceId = r.get("id").asText();
                }
            }
            assertThat(resourceId).as(file + " is deployed").isNotNull();
            HttpResponse<String> data = get("/engine-rest/deployment/" + deployment + "/resources/" + resourceId + "/data");
            assertThat(data.statusCode()).isEqualTo(200);
            JsonNode form = json.readTree(data.body());
            int texts = 0;
            for (JsonNode component : form.get("components")) {
                for (String field : List.of("label", "text")) {
                    if (component.has(field)) {
                        texts++;
                        if (!bilingual(component.get(field).asText())) {
                            problems.add(file + " " + component.get("id").asText() + "." + field + ": " + component.get(field).asText());
                        }
                    }
                }
                for (JsonNode value : component.path("values")) {
                    texts++;
                    if (!bilingual(value.get("label").asText())) {
                        problems.add(file + " " + component.get("id").asText() + " value " + value.get("value").asText());
                    }
                }
            }
            assertThat(texts).as(file + " has texts").isPositive();
        }
        assertThat(problems).as("texts not in both languages").isEmpty();
    }

    @Test
    void userTasksAndStartableProcessesWhenDeployedAreNamedInKoreanAndEnglish() {
        List<String> problems = new ArrayList<>();
        for (ProcessDefinition definition : repository().createProcessDefinitionQuery().latestVersion().list()) {
            var model = repository().getBpmnModelInstance(definition.getId());
            for (UserTask task : model.getModelElementsByType(UserTask.class)) {
                if (!bilingual(task.getName())) {
                    problems.add(definition.getKey() + " " + task.getId() + ": " + task.getName());
                }
            }
            for (Process process : model.getModelElementsByType(Process.class)) {
                if (process.isCamundaStartableInTasklist() && !bilingual(process.getName())) {
                    problems.add(definition.getKey() + ": " + process.getName());
                }
            }
        }
        assertThat(problems).as("names not in both languages").isEmpty();
    }

    @Test
    void restoreStartFormWhenRenderedHasKoreanAndEnglishLabels() {
        String id = repository().createProcessDefinitionQuery().processDefinitionKey("RestoreProcess").latestVersion()
                .singleResult().getId();
        List<FormField> fields = engine.getFormService().getStartFormData(id).getFormFields();
        assertThat(fields).extracting(FormField::getId).contains("backupKind", "backupId");
        assertThat(fields).allSatisfy(f -> assertThat(bilingual(f.getLabel())).as(f.getId() + ": " + f.getLabel()).isTrue());
        @SuppressWarnings("unchecked")
        var kinds = (Map<String, String>) fields.get(0).getType().getInformation("values");
        assertThat(kinds).containsEntry("daily", "일일 증분 백업 · daily").containsEntry("weekly", "주간 전체 백업 · weekly");
    }

    private RepositoryService repository() {
        return engine.getRepositoryService();
    }
}
