package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.test.TestS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The offsite repository as {@code s3:} on a real S3 server (S3Proxy) on 127.0.0.1: the
 * credentials only in {@code backup.offsite.env-file}, a bucket per test made by the test. Also
 * what only S3 has: a key the endpoint refuses, named as such, and the key kept out of restic's
 * argv and every log line.
 */
class OffsiteS3RepositoryTests extends AbstractOffsiteRepositoryTests {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @TempDir
    static Path s3Dir;
    static TestS3 s3;

    String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = TestS3.start(s3Dir.resolve("s3"));
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    Map<String, String> repositorySettings(Path dir) throws Exception {
        if (bucket == null) {
            bucket = "llm-backup-" + BUCKETS.incrementAndGet();
            s3.createBucket(bucket);
        }
        Path envFile = dir.resolveSibling("offsite-s3.env");
        if (!Files.exists(envFile)) {
            s3.writeEnvFile(envFile);
        }
        return Map.of("backup.offsite.repository", s3.repository(bucket, dir.getFileName().toString()),
                "backup.offsite.env-file", envFile.toString());
    }

    @Override
    Path repositoryFiles(Path dir) {
        return s3.dataDir().resolve(bucket).resolve(dir.getFileName().toString());
    }

    @Test
    void everyCommandFailsNamingTheCredentialsWhenTheEndpointRefusesTheSecretKey() throws Exception {
        offsite.copy(daily("PGDMP daily"));
        Map<String, String> settings = new HashMap<>(repositorySettings(temp.resolve("repo")));
        settings.put("backup.offsite.env-file", s3.writeEnvFile(temp.resolve("wrong.env"), "not-the-secret-key").toString());
        settings.put("backup.root", catalog.root().toString());
        settings.put("backup.offsite.password-file", passwordFile.toString());
        OffsiteRepository refused = new OffsiteRepository(bind(settings), catalog, new CommandRunner());
        BackupSet next = daily("PGDMP again");

        for (Runnable command : List.<Runnable>of(refused::probe, refused::snapshots, () -> refused.copy(next, List.of()))) {
            assertThatThrownBy(command::run)
                    .isInstanceOf(OffsiteException.class)
                    .hasMessageContaining("(" + s3.repository(bucket, "repo") + "): restic exited with code 1: Fatal: ")
                    .hasMessageEndingWith("The S3 endpoint refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                            + "in backup.offsite.env-file, and that this key may read and write the bucket.")
                    .message().doesNotContain("No repository at that location").doesNotContain("not-the-secret-key");
        }
    }

    /**
     * restic run through a wrapper that writes down its arguments, every log line of the
     * project's code at DEBUG kept: a copy, the list and a restore leave the key in neither.
     */
    @Test
    void credentialsAreInNeitherResticsArgumentsNorTheLogWhenCopyingAndRestoring() throws Exception {
        Path argv = temp.resolve("restic-argv.txt");
        Path wrapper = temp.resolve("restic-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> " + argv + "\nexec restic \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> settings = new HashMap<>(repositorySettings(temp.resolve("repo")));
        settings.put("backup.root", catalog.root().toString());
        settings.put("backup.offsite.password-file", passwordFile.toString());
        settings.put("backup.offsite.restic-binary", wrapper.toString());
        OffsiteRepository wrapped = new OffsiteRepository(bind(settings), catalog, new CommandRunner());
        Logger project = (Logger) LoggerFactory.getLogger("com.llmbackup");
        Level before = project.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        project.addAppender(lines);
        project.setLevel(Level.DEBUG);
        try {
            BackupSet set = daily("PGDMP daily");
            wrapped.copy(set);
            catalog.delete(set, lease);
            wrapped.fetchIntoCatalog(BackupKind.DAILY, set.id(), lease);
        } finally {
            project.detachAppender(lines);
            project.setLevel(before);
        }

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("running: ").contains("AWS_SECRET_ACCESS_KEY"))
                .allSatisfy(line -> assertThat(line).doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey()));
        assertThat(argv).content().contains("backup", "restore").doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey());
    }
}
