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

    /**
     * Probes until the URL answers 2xx or the deadline passes, waiting 0.5 s, 1 s, 2 s ... (at
     * most 10 s) between attempts: a web app that starts slowly is not declared dead after one try.
     */
    public Polled awaitHealthy(Duration deadline) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        long delay = 500;
        int attempts = 0;
        Result last;
        while (true) {
            last = probe();
            attempts++;
            long now = System.nanoTime();
            if (last.healthy() || now >= end) {
                break;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(delay, (end - now) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            delay = Math.min(delay * 2, 10_000);
        }
        return new Polled(last, attempts, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The last probe of a poll, how many were made and how long it took. */
    public record Polled(Result last, int attempts, Duration took) {
    }

    /** The outcome of one probe: healthy when the URL answered 2xx. */
    public record Result(String url, boolean healthy, int status, String body, String description) {
    }
}
