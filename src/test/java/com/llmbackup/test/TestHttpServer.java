package com.llmbackup.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/** A real HTTP server on 127.0.0.1 standing in for the web app's health endpoint. */
public final class TestHttpServer implements AutoCloseable {

    private final HttpServer server;
    private volatile int status = 200;
    private volatile String body = "{\"status\":\"ok\"}";

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
        server.start();
    }

    public void respond(int status, String body) {
        this.status = status;
        this.body = body;
    }

    public String healthUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/health";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
