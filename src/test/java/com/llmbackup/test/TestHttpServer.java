package com.llmbackup.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on 127.0.0.1 standing in for the web app's health endpoint, and for an
 * alert receiver ({@code /alerts}: every POST body is kept).
 */
public final class TestHttpServer implements AutoCloseable {

    private final HttpServer server;
    private volatile int status = 200;
    private volatile String body = "{\"status\":\"ok\"}";
    private final List<String> alerts = new CopyOnWriteArrayList<>();

    public TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/health", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.createContext("/alerts", exchange -> {
            alerts.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    public void respond(int status, String body) {
        this.status = status;
        this.body = body;
    }

    public String healthUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/health";
    }

    public String alertsUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
    }

    /** The alert messages received so far (JSON bodies), oldest first. */
    public List<String> alerts() {
        return List.copyOf(alerts);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
