package com.llmbackup.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged orchestrator started as an operator starts it: {@code java -jar}, settings in the environment. */
public final class RunningJar implements AutoCloseable {

    private final Process process;
    private final int port;
    private final StringBuffer output = new StringBuffer();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningJar(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jar-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the jar in {@code workDir} and waits until it answers on 127.0.0.1 (an exit before fails with its output). */
    public static RunningJar start(Path workDir, Map<String, String> env, String... args) throws Exception {
        String jar = System.getProperty("app.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("app.jar not set or missing (" + jar + "): run through `mvn verify`");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar, "--server.port=" + port));
        argv.addAll(List.of(args));
        return launch(argv, workDir, env, port);
    }

    /**
     * Starts the orchestrator as the README's first command does: {@code scripts/run.sh} from the
     * project folder (it installs what is missing, brings the sandbox up and execs the jar), on
     * the packaged jar ({@code LLM_BACKUP_JAR}) and a free port ({@code SERVER_PORT}).
     */
    public static RunningJar startRunScript(Map<String, String> env) throws Exception {
        String jar = System.getProperty("app.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("app.jar not set or missing (" + jar + "): run through `mvn verify`");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> all = new HashMap<>(env);
        all.put("LLM_BACKUP_JAR", jar);
        all.put("SERVER_PORT", String.valueOf(port));
        all.put("JAVA_OPTS", "-Xmx512m");
        return launch(List.of("bash", "scripts/run.sh"), Path.of("").toAbsolutePath(), all, port);
    }

    private static RunningJar launch(List<String> argv, Path workDir, Map<String, String> env, int port) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().remove("CAMUNDA_BPM_ADMINUSER_ID");
        builder.environment().remove("CAMUNDA_BPM_ADMINUSER_PASSWORD");
        // the jar tests quote the English texts of the log and the runs, as the test contexts do (a test may set another)
        builder.environment().put("BACKUP_LANGUAGE", "en");
        // a null value unsets the variable (e.g. LANG, to start the jar as cron or systemd would)
        env.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        RunningJar app = new RunningJar(builder.start(), port);
        app.awaitReady(Duration.ofMinutes(3));
        return app;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the orchestrator exited with " + process.exitValue() + ":\n" + output);
            }
            if (output.indexOf("Started LlmBackupApplication") >= 0) {
                try {
                    if (get("/actuator/health", null).statusCode() > 0) {
                        return;
                    }
                } catch (IOException notYet) {
                    // keep polling
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the orchestrator did not answer within " + timeout + ":\n" + output);
    }

    /** The JVM's process (run.sh execs java, so also the jar's). */
    public ProcessHandle process() {
        return process.toHandle();
    }

    public String output() {
        return output.toString();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path, String basicAuth) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().timeout(Duration.ofSeconds(30));
        if (basicAuth != null) {
            request.header("Authorization", basicAuth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String basicAuth, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(60));
        if (basicAuth != null) {
            request.header("Authorization", basicAuth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> put(String path, String basicAuth) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
        if (basicAuth != null) {
            request.header("Authorization", basicAuth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> putJson(String path, String basicAuth, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (basicAuth != null) {
            request.header("Authorization", basicAuth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** SIGKILL: the orchestrator dies on the spot, as in a power cut or an OOM kill. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
