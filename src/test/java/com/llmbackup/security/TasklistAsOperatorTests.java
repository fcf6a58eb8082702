package com.llmbackup.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.process.AbstractBackupProcessTests;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Tasklist, in Debian's headless Chromium, as an operator uses it under the allowlist: log in,
 * start a process from its start form, open the task, its history and diagram tabs, claim it and
 * complete its Camunda Form. Every call Tasklist makes (read from the browser's network log) is
 * answered without a refusal: the list holds what Tasklist itself needs.
 */
class TasklistAsOperatorTests extends AbstractBackupProcessTests {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void tasklistWhenUsedByAnOperatorStartsClaimsAndCompletesWithNoCallRefused() throws Exception {
        ensureUser("tlop", "tlop-pw", "operators");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        String recovery = null;
        List<String> calls = new ArrayList<>();
        try {
            browser.get("http://127.0.0.1:" + port + "/camunda/app/tasklist/default/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("input[ng-model=username]"))).sendKeys("tlop");
            browser.findElement(By.cssSelector("input[ng-model=password]")).sendKeys("tlop-pw");
            browser.findElement(By.cssSelector("button[type=submit]")).click();
            click(browser, wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".start-process-action a"))));
            click(browser, wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//a[contains(., 'Disaster recovery')]"))));
            click(browser, wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[contains(., 'Start')]"))));
            recovery = awaitRecoveryStartedBy("tlop").getId();
            management.executeJob(management.createJobQuery().processInstanceId(recovery).activityId("Task_DeclareRecovery")
                    .singleResult().getId());
            String task = engine.getTaskService().createTaskQuery().processInstanceId(recovery).singleResult().getId();

            browser.get("http://127.0.0.1:" + port + "/camunda/app/tasklist/default/#/?task=" + task);
            click(browser, wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.claim"))));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("button.unclaim, .unclaim")));
            for (String tab : List.of("History", "Diagram", "Form")) {
                click(browser, wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//a[normalize-space(.)='" + tab + "']"))));
                Thread.sleep(1500);
            }
            wait.until(d -> d.findElements(By.cssSelector("form input[type=checkbox]")).size() >= 2);
            for (WebElement check : browser.findElements(By.cssSelector("form input[type=checkbox]"))) {
                click(browser, check);
            }
            click(browser, browser.findElement(By.xpath("//button[contains(., 'Complete')]")));
            String started = recovery;
            wait.until(d -> engine.getTaskService().createTaskQuery().processInstanceId(started).taskDefinitionKey("Task_CopyBackups").count() == 1);

            assertThat(engine.getHistoryService().createHistoricVariableInstanceQuery().processInstanceId(recovery)
                    .variableName("dockerInstalled").singleResult().getValue()).isEqualTo(true);
            for (LogEntry entry : browser.manage().logs().get(LogType.PERFORMANCE)) {
                JsonNode message = json.readTree(entry.getMessage()).path("message");
                if (message.path("method").asText().equals("Network.responseReceived")) {
                    JsonNode response = message.path("params").path("response");
                    String url = response.path("url").asText();
                    if (url.contains("/camunda/api/")) {
                        calls.add(response.path("status").asInt() + " " + url.substring(url.indexOf("/camunda/api/")));
                    }
                }
            }
        } finally {
            browser.quit();
            if (recovery != null) {
                runtime.deleteProcessInstance(recovery, "test cleanup");
                jdbc.update("delete from backup_history where process_instance_id = ?", recovery);
            }
        }
        assertThat(calls).as("Tasklist's calls").hasSizeGreaterThan(15)
                .anyMatch(c -> c.contains("/submit-form")).anyMatch(c -> c.contains("/claim"))
                // before the login Tasklist asks who is logged in: 404 is its "nobody"
                .filteredOn(c -> !c.endsWith("/camunda/api/admin/auth/user/default"))
                .allMatch(c -> c.startsWith("2"), "answered 2xx");
    }

    private HistoricProcessInstance awaitRecoveryStartedBy(String user) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            HistoricProcessInstance started = engine.getHistoryService().createHistoricProcessInstanceQuery()
                    .processDefinitionKey("DisasterRecoveryProcess").startedBy(user).unfinished().singleResult();
            if (started != null) {
                return started;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Tasklist started no recovery for " + user);
    }

    private static void click(WebDriver browser, WebElement element) {
        // Tasklist's footer may cover a button at this window size: a click by script reaches it
        ((JavascriptExecutor) browser).executeScript("arguments[0].click();", element);
    }
}
