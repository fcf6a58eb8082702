package com.llmbackup.test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium on the admin page, with the browser's language (what it sends as
 * Accept-Language and the page reads as navigator.languages): log in, wait, take screenshots.
 */
public final class AdminBrowser implements AutoCloseable {

    public final WebDriver driver;
    public final WebDriverWait wait;

    public AdminBrowser(String acceptLanguage) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,2200", "--lang=" + acceptLanguage);
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", acceptLanguage));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        // the page renders its tables anew at every refresh (10 s): an element found may go stale
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
    }

    /** Opens the page, logs in and waits for the data. */
    public AdminBrowser logIn(int port, String user, String password) {
        driver.get("http://127.0.0.1:" + port + "/admin/index.html");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("body[data-ready='true']")));
        driver.findElement(By.id("user")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("login-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("content")));
        return this;
    }

    public WebElement await(By locator) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(locator));
    }

    /** The text of what the locator finds once it exists, read again if the page re-rendered it meanwhile. */
    public String text(By locator) {
        return wait.until(d -> d.findElement(locator).getText());
    }

    /** An attribute of the element found inside another (a link in a row), found again if re-rendered. */
    public String attribute(By outer, By inner, String name) {
        return wait.until(d -> d.findElement(outer).findElement(inner).getAttribute(name));
    }

    /** Clicks the element inside another (a row's button) once both exist, again if re-rendered first. */
    public void click(By outer, By inner) {
        wait.until(d -> {
            d.findElement(outer).findElement(inner).click();
            return true;
        });
    }

    public Path screenshot(String name) throws Exception {
        Path file = Path.of("target", name);
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
