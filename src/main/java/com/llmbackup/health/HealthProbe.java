package com.llmbackup.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import com.llmbackup.config.BackupProperties;
import org.springframework.stereotype.Component;

/** One GET of the web app's health URL ({@code backup.health.url}). */
@Component
public class HealthProbe {

    private static final int BODY_EXCERPT = 300;

    private final BackupProperties.Health health;
    private final HttpClient http;

    public HealthProbe(BackupProperties properties) {
        this.health = properties.health();
        this.http = HttpClient.newBuilder()
                .connectTimeout(health.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public Result probe() {
        String url = health.url();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(health.timeout()).GET().build();
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String body = response.body() == null ? "" : response.body().strip();
            if (body.length() > BODY_EXCERPT) {
                body = body.substring(0, BODY_EXCERPT) + "...";
            }
            boolean ok = response.statusCode() >= 200 && response.statusCode() < 300;
            return new Result(url, ok, response.statusCode(), body,
                    (ok ? "answered " : "answered with error ") + "HTTP " + response.statusCode() + " in " + took.toMillis() + " ms"
                            + (body.isEmpty() ? "" : ": " + body));
        } catch (HttpTimeoutException e) {
            return new Result(url, false, 0, "", "no answer within " + health.timeout().toSeconds() + " s");
        } catch (ConnectException e) {
            return new Result(url, false, 0, "", "connection refused: nothing listens there");
        } catch (IOException e) {
            return new Result(url, false, 0, "", "request failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(url, false, 0, "", "interrupted");
        }
    }

    /** The outcome of one probe: healthy when the URL answered 2xx. */
    public record Result(String url, boolean healthy, int status, String body, String description) {
    }
}
