package com.llmbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DrillScratchTests {

    static final Set<Long> DRILL_RUNS = Set.of(7L, 8L);
    static final Set<Long> RUNNING = Set.of(8L);

    @Test
    void ofWhenGivenARunNamesDatabaseAndFolderByIt() {
        DrillScratch scratch = DrillScratch.of(42, Path.of("/backup/scratch"));
        assertThat(scratch.database()).isEqualTo("llm_backup_drill_42");
        assertThat(scratch.folder()).isEqualTo(Path.of("/backup/scratch/drill-42"));
    }

    static Stream<Arguments> notLeftovers() {
        return Stream.of(
                Arguments.of("the production database", DrillScratch.databaseRun("llm_webapp")),
                Arguments.of("an operator's side-by-side copy", DrillScratch.databaseRun("llm_webapp_check")),
                Arguments.of("a look-alike with a suffix", DrillScratch.databaseRun("llm_backup_drill_7_keep")),
                Arguments.of("a look-alike with a leading zero", DrillScratch.databaseRun("llm_backup_drill_07")),
                Arguments.of("a drill name of a run that is no drill (a restore's row)", DrillScratch.databaseRun("llm_backup_drill_9")),
                Arguments.of("the scratch of a drill still running", DrillScratch.databaseRun("llm_backup_drill_8")),
                Arguments.of("an operator's folder", DrillScratch.folderRun("uploads-check")),
                Arguments.of("a folder look-alike", DrillScratch.folderRun("drill-7.old")),
                Arguments.of("a folder of a run that is no drill", DrillScratch.folderRun("drill-9")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notLeftovers")
    void leftoverWhenNotADrillsOwnScratchKeepsIt(String rule, OptionalLong run) {
        assertThat(DrillScratch.leftover(run, DRILL_RUNS, RUNNING)).isFalse();
    }

    @Test
    void leftoverWhenAnEndedDrillsScratchRemovesIt() {
        assertThat(DrillScratch.leftover(DrillScratch.databaseRun("llm_backup_drill_7"), DRILL_RUNS, RUNNING)).isTrue();
        assertThat(DrillScratch.leftover(DrillScratch.folderRun("drill-7"), DRILL_RUNS, RUNNING)).isTrue();
    }

    static Stream<Arguments> conflicts() {
        Path root = Path.of("/backup/scratch");
        return Stream.of(
                Arguments.of("production is named like the scratch", 42L, root, "llm_backup_drill_42", Path.of("/srv/uploads"),
                        "The drill's scratch database llm_backup_drill_42 is the production database (backup.database.name): "
                                + "the drill neither writes nor drops it. Nothing was changed."),
                Arguments.of("the scratch root is the uploads folder", 42L, Path.of("/srv/uploads"), "llm_webapp", Path.of("/srv/uploads"),
                        "The drill's scratch folder /srv/uploads/drill-42 overlaps the uploads folder /srv/uploads (backup.uploads-dir): "
                                + "set backup.restore.side-by-side-root apart from it. Nothing was changed."),
                Arguments.of("the uploads folder inside the scratch folder", 42L, Path.of("/srv"), "llm_webapp", Path.of("/srv/drill-42/uploads"),
                        "The drill's scratch folder /srv/drill-42 overlaps the uploads folder /srv/drill-42/uploads (backup.uploads-dir): "
                                + "set backup.restore.side-by-side-root apart from it. Nothing was changed."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conflicts")
    void conflictWhenTheScratchIsProductionRefuses(String rule, long run, Path root, String production, Path uploads, String why) {
        assertThat(DrillScratch.of(run, root).conflict(production, uploads)).hasValue(why);
    }

    @Test
    void conflictWhenApartFromProductionIsNone() {
        assertThat(DrillScratch.of(42, Path.of("/backup/scratch")).conflict("llm_webapp", Path.of("/srv/uploads"))).isEmpty();
    }
}
