package com.llmbackup.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** HTTP calls to the orchestrator under test on 127.0.0.1, with HTTP Basic as the admin panel and REST clients send it. */
public final class LocalHttp {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LocalHttp() {
    }

    /** {@code credentials} is {@code user:password} or null (anonymous); a body is sent as JSON. */
    public static HttpResponse<String> call(int port, String method, String path, String credentials, String jsonBody)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json");
        if (credentials != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
