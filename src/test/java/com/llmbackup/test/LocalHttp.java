package com.llmbackup.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
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

    /** A status and a body, as a raw request got them. */
    public record RawResponse(int statusCode, String body) {
    }

    /**
     * A request written byte for byte on a socket: the path goes out exactly as given (HTTP
     * clients normalise {@code ..}, escapes and {@code ;} on their own), with HTTP Basic when
     * {@code credentials} is not null and extra header lines.
     */
    public static RawResponse raw(int port, String method, String path, String credentials, String jsonBody, String... headers)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n");
            if (credentials != null) {
                request.append("Authorization: Basic ")
                        .append(Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))).append("\r\n");
            }
            for (String header : headers) {
                request.append(header).append("\r\n");
            }
            if (jsonBody != null) {
                request.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int firstSpace = answer.indexOf(' ');
            int status = firstSpace < 0 ? 0 : Integer.parseInt(answer.substring(firstSpace + 1, firstSpace + 4));
            int headersEnd = answer.indexOf("\r\n\r\n");
            return new RawResponse(status, headersEnd < 0 ? "" : answer.substring(headersEnd + 4));
        }
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
