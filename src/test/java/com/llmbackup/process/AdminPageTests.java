package com.llmbackup.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin page (/admin/index.html) in Debian's headless Chromium, on the backup processes'
 * context: log in, see the history with a failed run highlighted, a running one with its
 * progress, the newest set per kind, the storage figures and the 30-day chart.
 */
class AdminPageTests extends AbstractBackupProcessTests {


    @Test
    void adminPageWhenLoggedInShowsHistoryFailuresStorageAndChart() throws Exception {
        ensureUser("paneluser", "panel-pw", null);
        ProcessInstance daily = runtime.startProcessInstanceByKey("DailyBackupProcess");
        runJobs(daily);
        long failed = history.start(com.llmbackup.catalog.RunKind.WEEKLY, "pi-admin-page-failed");
        history.fail(failed, "Task_ArchiveUploads", "No space left on device while writing uploads_full_20251026.tar.gz");
        long running = history.start(com.llmbackup.catalog.RunKind.DAILY, "pi-admin-page-running");
        history.progress(running, 1200, 20000, 300_000_000L, 2_000_000_000L);

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1600");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            browser.get("http://127.0.0.1:" + port + "/admin/index.html");
            browser.findElement(By.id("user")).sendKeys("paneluser");
            browser.findElement(By.id("password")).sendKeys("panel-pw");
            browser.findElement(By.id("login-button")).click();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            WebElement failedRow = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.failed[data-run='" + failed + "']")));

            assertThat(failedRow.getText()).contains("weekly", "FAILED", "Task_ArchiveUploads: No space left on device");
            assertThat(browser.findElement(By.id("login-form")).isDisplayed()).as("the login form gives way to the data").isFalse();
            assertThat(failedRow.findElement(By.tagName("td")).getCssValue("background-color")).as("failures are highlighted")
                    .isEqualTo("rgba(253, 226, 226, 1)");
            WebElement runningRow = browser.findElement(By.cssSelector("tr.running[data-run='" + running + "']"));
            assertThat(runningRow.getText()).contains("RUNNING", "1200 / 20000 files");
            assertThat(runningRow.findElements(By.tagName("progress"))).hasSize(1);
            String dailyId = (String) historicVariable(daily, "backupId");
            WebElement completedRow = browser.findElement(By.xpath("//tr[td[text()='" + dailyId + "'] and td[text()='COMPLETED']]"));
            assertThat(completedRow.findElement(By.linkText("open")).getAttribute("href"))
                    .endsWith("/camunda/app/cockpit/default/#/history/process-instance/" + daily.getId());

            assertThat(browser.findElement(By.cssSelector("#newest [data-kind='daily']")).getText())
                    .contains(catalog.newestComplete(com.llmbackup.catalog.BackupKind.DAILY).orElseThrow().id().toString())
                    .contains("within RPO");
            String volume = browser.findElement(By.id("volume")).getText();
            assertThat(volume).contains(DIR.resolve("backup").toString()).containsPattern("\\d+\\.\\d% used").contains("free of");
            List<WebElement> bars = browser.findElements(By.cssSelector("#chart svg rect"));
            assertThat(bars).hasSize(30);
            assertThat(bars.get(29).getAttribute("data-bytes")).as("today's bar holds today's backups").isNotEqualTo("0");

            Path screenshot = Path.of("target/admin-page.png");
            Files.createDirectories(screenshot.getParent());
            Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            assertThat(Files.size(screenshot)).isPositive();
        } finally {
            browser.quit();
            history.fail(running, "test", "test run closed");
        }
    }

    @Test
    void adminPageWhenNotLoggedInShowsNoData() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/admin/index.html")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"login-form\"");
        var data = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/backups")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(data.statusCode()).as("the page's data need the login").isEqualTo(401);
    }
}
