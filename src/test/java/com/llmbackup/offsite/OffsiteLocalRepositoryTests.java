package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The offsite repository on a local (or mounted: NAS over NFS/SMB) path. */
class OffsiteLocalRepositoryTests extends AbstractOffsiteRepositoryTests {

    @Override
    Map<String, String> repositorySettings(Path dir) {
        return Map.of("backup.offsite.repository", dir.toString());
    }

    @Test
    void probeSaysHowToCreateTheRepositoryWhenNoneIsAtTheLocation() throws Exception {
        OffsiteRepository nowhere = repository(passwordFile, temp.resolve("no-such-repo"));

        assertThatThrownBy(nowhere::probe)
                .isInstanceOf(OffsiteException.class)
                .hasMessageStartingWith("Cannot open the offsite repository (" + temp.resolve("no-such-repo") + "): restic exited with code 1")
                .hasMessageEndingWith("No repository at that location: create it once with restic init (see the README), "
                        + "or fix backup.offsite.repository.");
    }
}
