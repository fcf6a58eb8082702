package com.llmbackup.offsite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.llmbackup.exec.Command;
import com.llmbackup.exec.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How restic is called: secrets only in the child's environment, the env-file's lines, restic check's verdict. */
class ResticTests {

    @TempDir
    Path temp;

    @Test
    void commandCarriesNoSecretInItsArgumentsWhenPasswordAndCredentialsAreConfigured() throws Exception {
        Files.writeString(temp.resolve("env"), "AWS_ACCESS_KEY_ID=minio\nAWS_SECRET_ACCESS_KEY=s3cr3t\n");
        var properties = AbstractOffsiteRepositoryTests.bind(Map.of("backup.offsite.repository", "s3:https://127.0.0.1:9000/backups",
                "backup.offsite.password-file", temp.resolve("password").toString(), "backup.offsite.env-file", temp.resolve("env").toString()));

        Command command = new Restic(properties.offsite(), new CommandRunner()).command(null, List.of("snapshots"));

        assertThat(command.argv()).containsExactly("restic", "--no-cache", "snapshots");
        assertThat(command.environment()).containsEntry("RESTIC_REPOSITORY", "s3:https://127.0.0.1:9000/backups")
                .containsEntry("RESTIC_PASSWORD_FILE", temp.resolve("password").toString())
                .containsEntry("AWS_SECRET_ACCESS_KEY", "s3cr3t");
        assertThat(command.toString()).doesNotContain("s3cr3t").doesNotContain("minio")
                .contains("RESTIC_PASSWORD_FILE").contains("AWS_SECRET_ACCESS_KEY").endsWith(" set)");
    }

    /** A rest: URL's password must not reach ps (argv is world-readable) nor the debug log of the command line. */
    @Test
    void commandKeepsThePasswordOfTheRepositoryUrlOutOfItsArgumentsWhenTheUrlCarriesOne() throws Exception {
        var properties = AbstractOffsiteRepositoryTests.bind(Map.of("backup.offsite.repository", "rest:https://backup:hunter2@127.0.0.1:8000/llm/",
                "backup.offsite.password-file", temp.resolve("password").toString()));

        Command command = new Restic(properties.offsite(), new CommandRunner()).command(null, List.of("snapshots"));

        assertThat(String.join(" ", command.argv())).doesNotContain("hunter2");
        assertThat(command.toString()).doesNotContain("hunter2");
        assertThat(command.environment()).containsEntry("RESTIC_REPOSITORY", "rest:https://backup:hunter2@127.0.0.1:8000/llm/");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "rest:https://backup:hunter2@nas.example:8000/llm/|rest:https://***@nas.example:8000/llm/",
            "rest:https://backup:p@ss@nas.example:8000/llm/|rest:https://***@nas.example:8000/llm/",
            "rest:https://backup:a/b:c@nas.example/|rest:https://***@nas.example/",
            "rest:https://token@nas.example/|rest:https://***@nas.example/",
            "sftp:backup@nas:/srv/restic|sftp:backup@nas:/srv/restic",
            "s3:https://minio.local:9000/backups|s3:https://minio.local:9000/backups",
            "/mnt/nas/restic|/mnt/nas/restic",
    })
    void locationHidesTheWholeUserinfoWhenThePasswordHoldsAtColonOrSlash(String repository, String shown) throws Exception {
        var properties = AbstractOffsiteRepositoryTests.bind(Map.of("backup.offsite.repository", repository,
                "backup.offsite.password-file", temp.resolve("password").toString()));

        String location = new OffsiteRepository(properties, null, new CommandRunner()).location();

        assertThat(location).isEqualTo(shown).doesNotContain("hunter2").doesNotContain("ss@nas").doesNotContain("a/b").doesNotContain("token");
    }

    @Test
    void environmentFileTakesCommentsQuotesAndExportWhenTheyAreThere() throws Exception {
        Files.writeString(temp.resolve("env"), "# MinIO\n\nexport AWS_ACCESS_KEY_ID=\"minio\"\nAWS_SECRET_ACCESS_KEY='a=b c'\n");

        assertThat(Restic.environmentFile(temp.resolve("env")))
                .containsExactly(Map.entry("AWS_ACCESS_KEY_ID", "minio"), Map.entry("AWS_SECRET_ACCESS_KEY", "a=b c"));
    }

    @Test
    void environmentFileNamesTheLineNotItsTextWhenALineIsNotNameValue() throws Exception {
        Files.writeString(temp.resolve("env"), "AWS_ACCESS_KEY_ID=minio\nthe-secret-itself\n");

        assertThatThrownBy(() -> Restic.environmentFile(temp.resolve("env")))
                .hasMessage("backup.offsite.env-file " + temp.resolve("env") + ", line 2: not NAME=value");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Pack ID does not match, want 1120684fc29adc25df5601758dc5f943aa29f87516f601123b9151ce89d15431, got a02f5394cce5360d59dc4799c595c2a689795a1255be557ed928000279f529f4\\nFatal: repository contains errors"
                    + "|damaged pack data/11/1120684fc29adc25df5601758dc5f943aa29f87516f601123b9151ce89d15431: Pack ID does not match, want 1120684fc29adc25df5601758dc5f943aa29f87516f601123b9151ce89d15431, got a02f5394cce5360d59dc4799c595c2a689795a1255be557ed928000279f529f4",
            "error: load <snapshot/0a1b2c3d>: file does not exist\\nFatal: repository contains errors|error: load <snapshot/0a1b2c3d>: file does not exist",
    })
    void problemOfNamesThePackWhenResticCheckReportsOne(String output, String expected) {
        assertThat(OffsiteRepository.problemOf(output.replace("\\n", "\n"))).isEqualTo(expected);
    }
}
