package com.llmbackup.offsite;

import java.nio.file.Path;
import java.util.Map;

import com.llmbackup.test.TestSshd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The offsite repository as {@code sftp:} on a real sshd bound to 127.0.0.1 (key authentication). */
class OffsiteSftpRepositoryTests extends AbstractOffsiteRepositoryTests {

    @TempDir
    static Path sshdDir;
    static TestSshd sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = TestSshd.start(sshdDir.resolve("sshd"));
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Override
    Map<String, String> repositorySettings(Path dir) {
        return Map.of("backup.offsite.repository", "sftp:root@127.0.0.1:" + dir,
                "backup.offsite.sftp-command", sshd.sftpCommand());
    }
}
