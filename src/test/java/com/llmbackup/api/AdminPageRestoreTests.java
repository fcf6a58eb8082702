package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.process.AbstractRestoreProcessTests;
import com.llmbackup.test.AdminBrowser;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Restoring from the admin page's table of sets, on the real container stack: Restore… on a set,
 * the confirmation with the set's facts, the restore's own start (guard and approval unchanged),
 * the approval and then the failed restore in "what needs me now" with their Tasklist links.
 */
class AdminPageRestoreTests extends AbstractRestoreProcessTests {

    @Test
    void restoreWhenAskedFromTheSetsTableReachesApprovalAndAFailureShowsInWhatNeedsMeNow() throws Exception {
        // a set of data version 1, which the current backend no longer serves: the restore fails its health check
        Files.writeString(UPLOADS.resolve(".app-version"), "1");
        String id = backup("DailyBackupProcess");
        Files.writeString(UPLOADS.resolve(".app-version"), "2");
        State before = state();

        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "alice", "alice-pw")) {
            By set = By.cssSelector("#sets tr[data-set='daily/" + id + "']");
            browser.click(set, By.cssSelector("button.restore"));
            browser.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("restore-facts")));
            assertThat(browser.text(By.id("restore-facts"))).contains("Daily incremental backup daily/" + id, "complete", "Written at", "Age", "Size");
            assertThat(browser.driver.findElement(By.id("restore-dialog")).getText())
                    .contains("A safety backup of the current state is taken first", "Everything written since then is lost");
            browser.driver.findElement(By.id("restore-reason")).sendKeys("user1 deleted documents");
            browser.driver.findElement(By.id("restore-confirm")).click();
            browser.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Restore of daily/" + id + " requested"));

            String pi = runtime.createProcessInstanceQuery().processDefinitionKey("RestoreProcess").variableValueEquals("backupId", id)
                    .singleResult().getId();
            JsonNode approval = awaitTask(pi, "Task_ApproveRestore");
            assertThat(variable(pi, "requestedBy")).as("the login asked").isEqualTo("alice");
            assertThat(variable(pi, "restoreSummary")).contains("Set: daily/" + id + " (complete, written ")
                    .contains("Requested by: alice; reason: user1 deleted documents");
            By approvalRow = By.cssSelector("#tasks tr[data-task='" + approval.get("id").asText() + "']");
            browser.await(approvalRow);
            assertThat(browser.text(approvalRow)).contains("복원 승인 · Approve restore", "daily/" + id, "alice");
            assertThat(browser.attribute(approvalRow, By.linkText("open in Tasklist"), "href"))
                    .endsWith("/camunda/app/tasklist/default/#/?task=" + approval.get("id").asText());
            long runId = restoreRow(pi).id();
            By waitingForApproval = By.cssSelector("#running tr[data-run='" + runId + "'] [data-state='WAITING_FOR_APPROVAL']");
            browser.await(waitingForApproval);
            assertThat(browser.text(waitingForApproval))
                    .contains("waiting for approval");

            complete(approval, "bob", Map.of("approved", true));
            JsonNode failure = awaitTask(pi, "Task_ResolveFailedRestore");
            By failureRow = By.cssSelector("#tasks tr[data-task='" + failure.get("id").asText() + "']");
            browser.await(failureRow);
            assertThat(browser.text(failureRow)).contains("복원 실패 처리 · Resolve failed restore", "daily/" + id, "alice");
            assertThat(browser.attribute(failureRow, By.linkText("open in Tasklist"), "href"))
                    .endsWith("/camunda/app/tasklist/default/#/?task=" + failure.get("id").asText());
            By waiting = By.cssSelector("#running tr[data-run='" + runId + "'] [data-state='WAITING_FOR_OPERATOR']");
            browser.await(waiting);
            assertThat(browser.text(waiting)).as("not RUNNING").contains("waiting for an operator");
            assertThat(browser.attribute(By.cssSelector("#running tr[data-run='" + runId + "']"), By.linkText("open in Tasklist"), "href"))
                    .endsWith("/camunda/app/tasklist/default/#/?task=" + failure.get("id").asText());
            browser.screenshot("admin-page-restore-waiting.png");

            complete(failure, "bob", Map.of("resolution", "rollback"));
            assertThat(awaitEnded(pi).getEndActivityId()).isEqualTo("EndEvent_RestoreCompleted");
            assertThat(state()).isEqualTo(before);
        }
    }
}
