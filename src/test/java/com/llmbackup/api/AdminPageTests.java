package com.llmbackup.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.process.AbstractBackupProcessTests;
import com.llmbackup.test.AdminBrowser;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The admin page (/admin/index.html) in Debian's headless Chromium, on the backup processes'
 * context: log in, see the history with a failed run highlighted, a running one with its
 * progress, the newest set per kind, the storage figures, the 30-day chart and the sets on disk;
 * in English for en-US and in Korean for ko-KR (screenshots of both under target/); pin and
 * unpin a set from its row.
 */
class AdminPageTests extends AbstractBackupProcessTests {

    @Test
    void adminPageWhenLoggedInShowsHistoryFailuresStorageAndChart() throws Exception {
        ensureUser("paneluser", "panel-pw", null);
        ProcessInstance daily = completedDaily();
        long failed = history.start(RunKind.WEEKLY, "pi-admin-page-failed");
        history.fail(failed, "Task_ArchiveUploads", "No space left on device while writing uploads_full_20251026.tar.gz");
        long running = history.start(RunKind.DAILY, "pi-admin-page-running");
        history.progress(running, 1200, 20000, 300_000_000L, 2_000_000_000L);

        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "paneluser", "panel-pw")) {
            By failedRow = By.cssSelector("#history tr.failed[data-run='" + failed + "']");
            browser.await(failedRow);

            assertThat(browser.text(failedRow)).contains("Weekly full backup", "failed", "Task_ArchiveUploads: No space left on device");
            assertThat(browser.driver.findElement(By.id("login-form")).isDisplayed()).as("the login form gives way to the data").isFalse();
            String background = browser.wait.until(d -> d.findElement(failedRow).findElement(By.tagName("td")).getCssValue("background-color"));
            assertThat(background).as("failures are highlighted")
                    .isEqualTo("rgba(253, 226, 226, 1)");
            // its instance never existed: not "running" but abandoned, on the page as in the API
            By runningRow = By.cssSelector("#history tr[data-run='" + running + "']");
            assertThat(browser.attribute(runningRow, By.cssSelector("[data-state]"), "data-state")).isEqualTo("ABANDONED");
            assertThat(browser.text(runningRow)).contains("abandoned: no orchestrator works on it");
            By goingOn = By.cssSelector("#running tr[data-run='" + running + "']");
            assertThat(browser.text(goingOn)).contains("1200 / 20000 files");
            assertThat(browser.attribute(goingOn, By.tagName("progress"), "max")).isEqualTo("2000000000");
            String dailyId = (String) historicVariable(daily, "backupId");
            By completedRow = By.xpath("//table[@id='history']//tr[td[text()='daily/" + dailyId + "'] and td[@data-state='COMPLETED']]");
            long dailyRun = history.listByOwner(daily.getId()).get(0).id();
            assertThat(browser.attribute(completedRow, By.linkText("open"), "href")).as("a finished run opens its detail, not Cockpit")
                    .endsWith("/admin/index.html#run=" + dailyRun);
            assertThat(browser.driver.findElement(completedRow).findElements(By.linkText("Cockpit"))).isEmpty();
            // a user in no group may look, not act: Cockpit and the set's actions are disabled with the reason
            assertThat(browser.attribute(By.id("cockpit-home"), By.cssSelector("span.refused.cockpit"), "title"))
                    .contains("Cockpit is for administrators (camunda-admin)");
            assertThat(browser.text(By.id("whoami"))).contains("Logged in as paneluser (may look, not act).",
                    "Restore…, Verify now, Pin, Take a base backup: only members of group operators or camunda-admin may do this",
                    "Cockpit links: Cockpit is for administrators");
            assertThat(browser.text(By.cssSelector("#failures tr[data-run='" + failed + "']")))
                    .as("the last weekly failed and nothing succeeded since").contains("No space left on device");

            assertThat(browser.text(By.cssSelector("#newest [data-kind='daily']")))
                    .contains(catalog.newestComplete(BackupKind.DAILY).orElseThrow().id().toString())
                    .contains("within RPO");
            String volume = browser.text(By.id("volume"));
            assertThat(volume).contains(DIR.resolve("backup").toString()).containsPattern("\\d+\\.\\d% used").contains("free of");
            Integer bars = browser.wait.until(d -> d.findElements(By.cssSelector("#chart svg rect.bar[data-kind='daily']")).size());
            assertThat(bars).as("a daily bar per day").isEqualTo(30);
            String today = browser.wait.until(d -> d.findElements(By.cssSelector("#chart svg rect.bar[data-kind='daily']")).get(29)
                    .getAttribute("data-bytes"));
            assertThat(today).as("today's bar holds today's backups").isNotEqualTo("0");
            assertThat(browser.driver.findElements(By.cssSelector("#chart svg text.y-tick"))).as("a y axis in bytes").hasSize(3);
            assertThat(browser.driver.findElements(By.cssSelector("#chart svg text.x-tick"))).as("an x axis of days").isNotEmpty();
            assertThat(browser.text(By.cssSelector("#chart .legend"))).contains("Daily incremental backup");
            assertThat(browser.text(By.id("zone"))).as("times in the operator's zone, named").startsWith("Times in ");
            assertThat(browser.driver.findElement(By.id("logout")).isDisplayed()).isTrue();

            By setRow = By.cssSelector("#sets tr[data-set='daily/" + dailyId + "']");
            String set = browser.text(setRow);
            assertThat(set).contains("Daily incremental backup", dailyId, "complete", "never", "Restore…", "Pin");
            for (String action : new String[] {"restore", "pin", "verify"}) {
                assertThat(browser.attribute(setRow, By.cssSelector("button." + action), "disabled")).as(action).isEqualTo("true");
                assertThat(browser.attribute(setRow, By.cssSelector("button." + action), "title")).as(action)
                        .isEqualTo("only members of group operators or camunda-admin may do this");
            }
            assertThat(browser.attribute(By.id("window"), By.id("base-backup-now"), "disabled")).isEqualTo("true");
            assertThat(browser.attribute(By.id("window"), By.id("base-backup-now"), "title"))
                    .isEqualTo("only members of group operators or camunda-admin may do this");
            assertThat(set).as("dates in the browser's locale").containsPattern("[A-Z][a-z]{2} \\d{1,2}, \\d{4}, \\d{1,2}:\\d{2} [AP]M");
            assertThat(browser.driver.findElement(By.cssSelector("#sets thead")).getText()).contains("Written at", "Last drill", "Offsite copy");
            assertThat(browser.driver.findElement(By.tagName("h1")).getText()).isEqualTo("llm-backup: backups, restores and what needs you");

            Path screenshot = browser.screenshot("admin-page-en.png");
            assertThat(Files.size(screenshot)).isPositive();

            browser.driver.findElement(By.id("logout")).click();
            browser.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
            assertThat(browser.driver.findElement(By.id("content")).isDisplayed()).as("logged out: no data").isFalse();
            browser.driver.navigate().refresh();
            browser.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
            assertThat(browser.driver.findElement(By.id("content")).isDisplayed()).as("the login is forgotten").isFalse();
        } finally {
            history.fail(running, "test", "test run closed");
        }
    }

    @Test
    void adminPageWhenBrowserIsKoreanShowsHeadingsAndSetsInKorean() throws Exception {
        ensureUser("panelko", "panel-ko-pw", null);
        ProcessInstance daily = completedDaily();
        String dailyId = (String) historicVariable(daily, "backupId");

        try (AdminBrowser browser = new AdminBrowser("ko-KR").logIn(port, "panelko", "panel-ko-pw")) {
            browser.await(By.cssSelector("#sets tr[data-set='daily/" + dailyId + "']"));
            String set = browser.text(By.cssSelector("#sets tr[data-set='daily/" + dailyId + "']"));

            assertThat(browser.driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ko");
            assertThat(browser.driver.findElement(By.tagName("h1")).getText()).isEqualTo("llm-backup: 백업, 복원, 지금 처리할 일");
            assertThat(browser.driver.findElement(By.cssSelector("#attention h2")).getText()).isEqualTo("지금 처리할 일");
            assertThat(browser.driver.findElement(By.cssSelector("#sets thead")).getText())
                    .contains("종류", "백업 세트", "상태", "백업 시각", "세트 크기", "고정", "마지막 복원 훈련", "원격 사본", "작업");
            assertThat(set).contains("일일 증분 백업", "완료", "복원…", "고정", "지금 검증");
            assertThat(set).as("Korean dates: 2025. 10. 31. 오전 2:00").containsPattern("\\d{4}\\. \\d{1,2}\\. \\d{1,2}\\. (오전|오후) \\d{1,2}:\\d{2}");
            assertThat(browser.text(By.cssSelector("#newest [data-kind='daily']"))).contains("RPO", "이내");
            browser.screenshot("admin-page-ko.png");

            // the switch: English at once, and kept for the next visit
            new Select(browser.driver.findElement(By.id("lang"))).selectByValue("en");
            assertThat(browser.driver.findElement(By.cssSelector("#attention h2")).getText()).isEqualTo("What needs me now");
            browser.driver.navigate().refresh();
            browser.await(By.cssSelector("#sets tr[data-set='daily/" + dailyId + "']"));
            assertThat(browser.driver.findElement(By.cssSelector("#attention h2")).getText()).isEqualTo("What needs me now");
        }
    }

    @Test
    void pinThenUnpinWhenClickedOnASetChangesItsManifest() throws Exception {
        ensureUser("panelop", "panel-op-pw", "operators");
        ProcessInstance daily = completedDaily();
        String id = (String) historicVariable(daily, "backupId");
        Path manifest = DIR.resolve("backup/daily/manifest_" + id + ".json");
        By row = By.cssSelector("#sets tr[data-set='daily/" + id + "']");

        try (AdminBrowser browser = new AdminBrowser("en-US").logIn(port, "panelop", "panel-op-pw")) {
            browser.await(row);
            assertThat(browser.driver.findElement(row).findElement(By.cssSelector("button.verify")).isEnabled()).as("an operator may verify")
                    .isTrue();
            assertThat(browser.text(By.id("whoami"))).contains("Logged in as panelop (operator).").doesNotContain("only members");
            browser.click(row, By.cssSelector("button.pin"));
            browser.await(By.id("pin-reason")).sendKeys("before the upgrade to 2.0");
            browser.driver.findElement(By.id("pin-confirm")).click();
            browser.wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "by panelop"));

            JsonNode pinned = json.readTree(Files.readString(manifest));
            assertThat(pinned.get("pinned").asBoolean()).isTrue();
            assertThat(pinned.get("pinnedReason").asText()).isEqualTo("before the upgrade to 2.0 (panelop)");
            assertThat(browser.text(row)).contains("before the upgrade to 2.0 (panelop)", "Unpin");

            browser.click(row, By.cssSelector("button.unpin"));
            browser.wait.until(d -> !d.findElement(row).findElements(By.cssSelector("button.pin")).isEmpty());
            assertThat(json.readTree(Files.readString(manifest)).get("pinned").asBoolean()).isFalse();
        }
    }

    @Test
    void adminPageWhenNotLoggedInShowsNoData() throws Exception {
        var http = HttpClient.newHttpClient();
        var page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/index.html")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"login-form\"");
        var data = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/backups")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(data.statusCode()).as("the page's data need the login").isEqualTo(401);
    }
}
