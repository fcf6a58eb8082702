package com.llmbackup.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server for tests: S3Proxy (Maven Central {@code org.gaul:s3proxy}, its
 * self-contained jar copied to {@code target/s3proxy/} by the build) with its filesystem
 * backend, in its own JVM on 127.0.0.1 and a free port, signing required (AWS v2 or v4) with a
 * key made for this run. A bucket is a folder below {@link #dataDir()}, its objects plain files
 * by their keys: a test can damage a restic pack as on a local repository.
 */
public final class TestS3 implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final Process process;

    private TestS3(Path dir, int port, String accessKey, String secretKey, Process process) {
        this.dir = dir;
        this.port = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.process = process;
    }

    public static TestS3 start(Path dir) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the build copies it (mvn generate-test-resources)");
        }
        Files.createDirectories(dir.resolve("data"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SecureRandom random = new SecureRandom();
        String accessKey = "LLMTEST" + HexFormat.of().withUpperCase().formatHex(bytes(random, 6));
        String secretKey = HexFormat.of().formatHex(bytes(random, 20));
        Path config = dir.resolve("s3proxy.conf");
        Files.writeString(config, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dir.resolve("data"),
                ""));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--properties", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        TestS3 s3 = new TestS3(dir, port, accessKey, secretKey, process);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return s3;
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    s3.close();
                    throw new IllegalStateException("S3Proxy did not start on 127.0.0.1:" + port + ": "
                            + Files.readString(dir.resolve("s3proxy.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    private static byte[] bytes(SecureRandom random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Creates an empty bucket; returns its folder. */
    public Path createBucket(String name) throws IOException {
        return Files.createDirectory(dataDir().resolve(name));
    }

    /** Where the buckets' objects are: {@code <dataDir>/<bucket>/<key>}. */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /** restic's location of {@code prefix} in {@code bucket}. */
    public String repository(String bucket, String prefix) {
        return "s3:http://127.0.0.1:" + port + "/" + bucket + "/" + prefix;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Writes {@code backup.offsite.env-file} with this server's key (0600). */
    public Path writeEnvFile(Path file) throws IOException {
        return writeEnvFile(file, secretKey);
    }

    /** The same with another secret: a key the server refuses. */
    public Path writeEnvFile(Path file, String secret) throws IOException {
        Files.writeString(file, "AWS_ACCESS_KEY_ID=" + accessKey + "\nAWS_SECRET_ACCESS_KEY=" + secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
