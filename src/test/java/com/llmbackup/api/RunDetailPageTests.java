package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.test.AdminBrowser;
import com.llmbackup.test.FileTrees;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the operator sees of a restore, in Debian's Chromium on the real container stack: the
 * approval form submitted inside Tasklist itself (form-js; a reject without a comment refused,
 * then rejected; then another request approved and restored), the finished restore's detail on
 * the admin page with its diagrams drawn (the path taken marked, the called BackupRunProcess
 * too) in English and Korean; the REST answers for a missing decision and a missing reason; and
 * Verify now offered only to a user who may start drills. Screenshots go to /work/screens when
 * that folder exists (for the figures), else target/.
 */
class RunDetailPageTests extends AbstractRestoreProcessTests {

    private static final Path SCREENS = Files.isDirectory(Path.of("/work/screens")) ? Path.of("/work/screens") : Path.of("target");

    @Test
    void approvalWhenSubmittedInTasklistRejectsWithACommentThenApprovesAndTheDetailDrawsTheRun() throws Exception {
        applicationRunning();
        String id = backup("DailyBackupProcess");

        String rejected = startRestore("alice", Map.of("backupId", id, "reason", "checking the approval form"));
        String rejectTask = claimApproval(rejected);
        try (AdminBrowser tasklist = new AdminBrowser("en-US")) {
            tasklist.driver.manage().window().setSize(new Dimension(1280, 1400));
            openInTasklist(tasklist, "bob", rejectTask);
            assertThat(tasklist.text(By.cssSelector(".fjs-form"))).contains("Approve: restore this set", "Reject: change nothing");
            Object values = ((JavascriptExecutor) tasklist.driver).executeScript(
                    "return [...document.querySelectorAll('.fjs-form input, .fjs-form textarea')].map(e => e.value).join('\\n');");
            assertThat((String) values).contains("An operator other than the requester (alice) must approve", "UTC");
            assertNoLabelCut(tasklist);
            showDecision(tasklist);
            screenshot(tasklist, "approval-form-en.png");
            choose(tasklist, "Reject: change nothing");
            complete(tasklist);
            tasklist.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "A rejection needs a comment"));
            assertThat(runtime.getActiveActivityIds(rejected)).as("refused: the task waits").containsExactly("Task_ApproveRestore");
            // the form as Tasklist shows it after the refusal: choose again, say why, complete
            rejectWithComment(tasklist, "wrong set, try daily of Monday");
            complete(tasklist);
            awaitEndedOrShow(tasklist, rejected, "approval-reject-debug.png");
        }
        assertThat(awaitEnded(rejected).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
        assertThat(restoreRow(rejected).message()).contains("Rejected by bob: wrong set, try daily of Monday");

        String approved = startRestore("alice", Map.of("backupId", id, "reason", "user1 deleted documents"));
        String approveTask = claimApproval(approved);
        try (AdminBrowser tasklist = new AdminBrowser("ko-KR")) {
            tasklist.driver.manage().window().setSize(new Dimension(1280, 1400));
            openInTasklist(tasklist, "bob", approveTask);
            assertNoLabelCut(tasklist);
            showDecision(tasklist);
            screenshot(tasklist, "approval-form-ko.png");
            choose(tasklist, "승인: 복원합니다");
            complete(tasklist);
            tasklist.wait.until(d -> runtime.createProcessInstanceQuery().processInstanceId(approved).count() == 0
                    || !runtime.getActiveActivityIds(approved).contains("Task_ApproveRestore"));
        }
        assertThat(awaitEnded(approved).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        assertThat(historicVariable(approved, "approved")).as("a boolean, whatever the form sent").isEqualTo(Boolean.TRUE);
        long runId = restoreRow(approved).id();

        for (String language : List.of("en-US", "ko-KR")) {
            try (AdminBrowser browser = new AdminBrowser(language).logIn(port, "alice", "alice-pw")) {
                String suffix = language.substring(0, 2);
                screenshot(browser, "admin-page-" + suffix + ".png");
                browser.driver.get("http://127.0.0.1:" + port + "/admin/index.html#run=" + runId);
                By restoreDiagram = By.cssSelector(".instance[data-process='RestoreProcess'] .diagram[data-drawn='true'] svg");
                By runDiagram = By.cssSelector(".instance[data-process='BackupRunProcess'] .diagram[data-drawn='true'] svg");
                browser.await(restoreDiagram);
                browser.await(runDiagram);
                assertThat(browser.driver.findElements(By.cssSelector(".instance[data-process='RestoreProcess'] "
                        + "g.djs-element.taken[data-element-id='Task_RestoreData']"))).as("the path taken is marked").hasSize(1);
                assertThat(browser.driver.findElements(By.cssSelector(".instance[data-process='RestoreProcess'] "
                        + "g.djs-connection.taken"))).as("flows taken").isNotEmpty();
                assertThat(browser.driver.findElements(By.cssSelector(".instance[data-process='RestoreProcess'] "
                        + "g.djs-element.taken[data-element-id='Task_ResolveFailedRestore']"))).as("not taken").isEmpty();
                assertThat(browser.driver.findElements(By.cssSelector(".instance[data-process='BackupRunProcess'] g.djs-element.taken")))
                        .as("the called safety backup's steps").isNotEmpty();
                assertThat(browser.driver.findElements(By.cssSelector(".instance[data-process='RestoreProcess'] .step-duration")))
                        .as("durations").isNotEmpty();
                String facts = browser.text(By.id("detail-facts"));
                assertThat(facts).contains("alice", "bob", "user1 deleted documents", "daily/" + id);
                if (suffix.equals("en")) {
                    assertThat(facts).contains("Requested by", "Approved by", "Reason", "completed");
                    assertThat(browser.text(By.id("detail-log"))).contains("Restore");
                } else {
                    assertThat(facts).contains("요청자", "승인자", "사유", "완료");
                }
                assertThat(browser.driver.findElements(By.cssSelector("#run-detail a[href*='/camunda/app/cockpit/']")))
                        .as("a finished run has no Cockpit link").isEmpty();
                screenshot(browser, "run-detail-" + suffix + ".png");
            }
        }
    }

    @Test
    void approvalWhenCompletedWithoutDecisionAnswers400AndARequestWithoutReasonToo() throws Exception {
        applicationRunning();
        String id = backup("DailyBackupProcess");
        HttpResponse<String> noReason = call("POST", "/engine-rest/process-definition/key/RestoreProcess/start", "alice",
                vars(Map.of("backupId", id)));
        assertThat(noReason.statusCode()).as(noReason.body()).isEqualTo(400);
        assertThat(json.readTree(noReason.body()).get("message").asText()).startsWith("A restore request needs a reason");
        HttpResponse<String> blankReason = call("POST", "/engine-rest/process-definition/key/RestoreProcess/submit-form", "alice",
                vars(Map.of("backupId", id, "reason", "  ")));
        assertThat(blankReason.statusCode()).as(blankReason.body()).isEqualTo(400);

        String pi = startRestore("alice", Map.of("backupId", id, "reason", "testing the decision"));
        String task = claimApproval(pi);
        for (String endpoint : List.of("complete", "submit-form")) {
            HttpResponse<String> none = call("POST", "/engine-rest/task/" + task + "/" + endpoint, "bob", vars(Map.of("approvalComment", "hm")));
            assertThat(none.statusCode()).as(endpoint + ": " + none.body()).isEqualTo(400);
            assertThat(json.readTree(none.body()).get("message").asText()).startsWith("Choose approve or reject");
            HttpResponse<String> bare = call("POST", "/engine-rest/task/" + task + "/" + endpoint, "bob", vars(Map.of("approved", false)));
            assertThat(bare.statusCode()).as(endpoint + ": " + bare.body()).isEqualTo(400);
            assertThat(json.readTree(bare.body()).get("message").asText()).startsWith("A rejection needs a comment");
        }
        assertThat(runtime.getActiveActivityIds(pi)).containsExactly("Task_ApproveRestore");
        complete(json.readTree("{\"id\": \"" + task + "\"}"), "bob", Map.of("approved", false, "approvalComment", "test over"));
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreRejected");
    }

    @Test
    void verifyNowWhenTheUserMayNotStartDrillsIsDisabledWithTheReason() throws Exception {
        applicationRunning();
        String id = backup("DailyBackupProcess");
        if (identity.createUserQuery().userId("carol").count() == 0) {
            var carol = identity.newUser("carol");
            carol.setPassword("carol-pw");
            identity.saveUser(carol); // no group: may read the page, start nothing
        }
        By row = By.cssSelector("#sets tr[data-set='daily/" + id + "']");
        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "carol", "carol-pw")) {
            WebElement verify = browser.wait.until(d -> d.findElement(row).findElement(By.cssSelector("button.verify")));
            assertThat(verify.isEnabled()).isFalse();
            assertThat(verify.getAttribute("title")).contains("only members of group operators or camunda-admin may do this");
            assertThat(browser.driver.findElement(row).findElement(By.cssSelector("button.restore")).isEnabled()).isFalse();
            assertThat(browser.text(By.id("whoami"))).contains("Logged in as carol", "Verify now");
            screenshot(browser, "admin-page-no-rights-en.png");
        }
        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "alice", "alice-pw")) {
            WebElement verify = browser.wait.until(d -> d.findElement(row).findElement(By.cssSelector("button.verify")));
            assertThat(verify.isEnabled()).as("an operator may start a drill").isTrue();
        }
    }

    @Test
    void filesRestoreWhenRequestedFromThePageAndApprovedInTasklistPutsTheFileBackAlone() throws Exception {
        applicationRunning();
        FileTrees.write(UPLOADS, Map.of("user1/a.pdf", "report A"));
        String id = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve("user1/a.pdf"), "report A, overwritten by mistake");
        State before = state();

        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "alice", "alice-pw")) {
            browser.click(By.cssSelector("#sets tr[data-set='daily/" + id + "']"), By.cssSelector("button.files"));
            browser.await(By.cssSelector("#files-table tr[data-path]"));
            browser.driver.findElement(By.id("files-q")).sendKeys("a.pdf");
            browser.driver.findElement(By.id("files-search")).click();
            By file = By.cssSelector("#files-table tr[data-path='user1/a.pdf']");
            browser.wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#files-table tr[data-path]"), 1));
            browser.click(file, By.cssSelector("button.versions"));
            By version = By.cssSelector("#versions-table tr[data-set='daily/" + id + "']");
            browser.await(version);
            assertThat(browser.text(version)).contains("differs from now");
            browser.click(file, By.cssSelector("input[type='checkbox']"));
            assertThat(browser.text(By.id("files-chosen"))).isEqualTo("Chosen (1): user1/a.pdf");
            browser.driver.findElement(By.id("files-restore")).click();
            assertThat(browser.text(By.id("files-error"))).as("a reason is required").isEqualTo("A reason is required: say what happened.");
            browser.driver.findElement(By.id("files-reason")).sendKeys("alice overwrote her report");
            browser.driver.findElement(By.id("files-restore")).click();
            browser.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Restore of 1 path(s) of daily/" + id));
        }
        String pi = runtime.createProcessInstanceQuery().processDefinitionKey("RestoreProcess").variableValueEquals("backupId", id)
                .singleResult().getId();
        assertThat(variable(pi, "restorePaths")).isEqualTo("[\"user1/a.pdf\"]");
        String taskId = claimApproval(pi);
        try (AdminBrowser tasklist = new AdminBrowser("en-US")) {
            tasklist.driver.manage().window().setSize(new Dimension(1280, 1400));
            openInTasklist(tasklist, "bob", taskId);
            choose(tasklist, "Approve: restore this set");
            complete(tasklist);
            awaitEndedOrShow(tasklist, pi, "files-approval-debug.png");
        }
        assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
        State after = state();
        assertThat(Files.readString(UPLOADS.resolve("user1/a.pdf"))).isEqualTo("report A");
        assertThat(after.database()).isEqualTo(before.database());
        Map<String, String> others = new TreeMap<>(after.uploads());
        Map<String, String> othersBefore = new TreeMap<>(before.uploads());
        for (String changed : List.of("user1", "user1/a.pdf")) {
            others.remove(changed);
            othersBefore.remove(changed);
        }
        assertThat(others).as("nothing else in the folder changed").isEqualTo(othersBefore);
    }

    // --- helpers

    /** Until the Tasklist completion ended the process; else a screenshot of what Tasklist shows, for the failure. */
    private void awaitEndedOrShow(AdminBrowser browser, String pi, String screenshot) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (historyService.createHistoricProcessInstanceQuery().processInstanceId(pi).finished().count() > 0) {
                return;
            }
            Thread.sleep(200);
        }
        screenshot(browser, screenshot);
        throw new AssertionError("the completion in Tasklist did not end " + pi + ": " + browser.driver.findElement(By.tagName("body")).getText());
    }

    private String claimApproval(String pi) throws Exception {
        JsonNode task = awaitTask(pi, "Task_ApproveRestore");
        String taskId = task.get("id").asText();
        assertThat(call("POST", "/engine-rest/task/" + taskId + "/claim", "bob", "{\"userId\":\"bob\"}").statusCode()).isEqualTo(204);
        return taskId;
    }

    /** Tasklist's own login, then the task with its Camunda Form (form-js). */
    private void openInTasklist(AdminBrowser browser, String user, String taskId) {
        // on a loaded machine Tasklist may draw its login form before Angular binds it, and the
        // typed names never reach the model: the form is filled again, at most three times
        WebDriverWait login = new WebDriverWait(browser.driver, Duration.ofSeconds(15));
        for (int attempt = 1; ; attempt++) {
            browser.driver.get("http://127.0.0.1:" + port + "/camunda/app/tasklist/default/#/login");
            WebElement name = browser.await(By.cssSelector("input[ng-model='username']"));
            name.clear();
            name.sendKeys(user);
            WebElement password = browser.driver.findElement(By.cssSelector("input[ng-model='password']"));
            password.clear();
            password.sendKeys(user + "-pw");
            browser.driver.findElement(By.cssSelector("form button[type='submit']")).click();
            try {
                login.until(d -> !d.getCurrentUrl().contains("/login"));
                break;
            } catch (TimeoutException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
        browser.driver.get("http://127.0.0.1:" + port + "/camunda/app/tasklist/default/#/?task=" + taskId);
        browser.await(By.cssSelector(".fjs-form input[type='radio']"));
    }

    /** Clicks the radio of that option, scrolled into Tasklist's form pane first (its header would take the click). */
    private static void choose(AdminBrowser browser, String label) {
        WebElement option = browser.await(By.xpath("//label[contains(normalize-space(.), '" + label + "')]//input[@type='radio']"));
        clickInView(browser, option);
        browser.wait.until(d -> option.isSelected());
    }

    /**
     * Chooses reject and types the comment until both hold for a second: after a refused completion
     * Tasklist renders the form again, at a moment of its own, and what was entered before that is gone.
     */
    private static void rejectWithComment(AdminBrowser browser, String comment) throws InterruptedException {
        for (int attempt = 0; attempt < 5; attempt++) {
            choose(browser, "Reject: change nothing");
            WebElement textarea = browser.await(By.xpath("//textarea[not(@disabled)]"));
            textarea.clear();
            textarea.sendKeys(comment);
            Thread.sleep(1000);
            Object held = ((JavascriptExecutor) browser.driver).executeScript(
                    "const t = [...document.querySelectorAll('.fjs-form textarea')].find(e => !e.disabled);"
                            + " const r = [...document.querySelectorAll('.fjs-form input[type=radio]')].find(e => e.checked);"
                            + " return t != null && t.value === arguments[0] && r != null && r.closest('label').textContent.includes('Reject');", comment);
            if (Boolean.TRUE.equals(held)) {
                return;
            }
        }
        throw new AssertionError("the rejection and its comment did not stay in Tasklist's form");
    }

    private static void complete(AdminBrowser browser) {
        clickInView(browser, browser.await(By.xpath("//button[@ng-click='complete()']")));
    }

    private static void clickInView(AdminBrowser browser, WebElement element) {
        ((JavascriptExecutor) browser.driver).executeScript("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element);
    }

    /** The decision in view, for the screenshot. */
    private static void showDecision(AdminBrowser browser) {
        ((JavascriptExecutor) browser.driver).executeScript("arguments[0].scrollIntoView({block: 'center'});",
                browser.await(By.cssSelector(".fjs-form input[type='radio']")));
    }

    /** Every label of the form fits: nothing runs past its box or the window at 1280 pixels. */
    private static void assertNoLabelCut(AdminBrowser browser) {
        Object cut = ((JavascriptExecutor) browser.driver).executeScript(
                "return [...document.querySelectorAll('.fjs-form label')].filter(l => l.scrollWidth > l.clientWidth + 1"
                        + " || l.getBoundingClientRect().right > window.innerWidth).map(l => l.textContent);");
        assertThat((List<?>) cut).as("labels cut").isEmpty();
    }

    private static void screenshot(AdminBrowser browser, String name) throws Exception {
        Path shot = browser.screenshot(name);
        Files.copy(shot, SCREENS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
