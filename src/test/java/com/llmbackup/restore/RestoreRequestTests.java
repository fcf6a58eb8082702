package com.llmbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each factory asks for, in the JSON form a frozen plan keeps in the history row: rows
 * frozen before an upgrade must read back the same, so the field names and values stay.
 */
class RestoreRequestTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, Supplier<RestoreRequest>> REQUESTS = Map.of(
            "inPlace", () -> RestoreRequest.inPlace("daily", "20251031", true, false, "user1 deleted documents", true),
            "sideBySide", () -> RestoreRequest.sideBySide("weekly", "20251026", true, true, " ", "llm_check", "/backup/scratch/u"),
            "forDrill", () -> RestoreRequest.forDrill("daily", "20251031"),
            "forRecovery", () -> RestoreRequest.forRecovery("daily", "20251031", "server lost", "alice"),
            "started with blank targets", () -> RestoreRequest.inPlace("", "20251031", true, true, null, false).into(" ", null),
            "a rollback of a side-by-side", () -> RestoreRequest.sideBySide("daily", "20251031", true, false, null, "llm_check", null)
                    .withRequester("bob").withSet("safety", "20251031_2"),
            "an undo", () -> RestoreRequest.undo(12, "wrong set").withRequester("alice").undoing("20251030", true, false));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "inPlace      | {\"backupKind\":\"daily\",\"backupId\":\"20251031\",\"restoreDatabase\":true,\"restoreUploads\":false,"
                    + "\"reason\":\"user1 deleted documents\",\"requestedBy\":null,\"targetDatabase\":null,\"targetUploadsDir\":null,"
                    + "\"applicationStopped\":true,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "sideBySide   | {\"backupKind\":\"weekly\",\"backupId\":\"20251026\",\"restoreDatabase\":true,\"restoreUploads\":true,"
                    + "\"reason\":null,\"requestedBy\":null,\"targetDatabase\":\"llm_check\",\"targetUploadsDir\":\"/backup/scratch/u\","
                    + "\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "forDrill     | {\"backupKind\":\"daily\",\"backupId\":\"20251031\",\"restoreDatabase\":true,\"restoreUploads\":true,"
                    + "\"reason\":null,\"requestedBy\":null,\"targetDatabase\":null,\"targetUploadsDir\":null,\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "forRecovery  | {\"backupKind\":\"daily\",\"backupId\":\"20251031\",\"restoreDatabase\":true,\"restoreUploads\":true,"
                    + "\"reason\":\"server lost\",\"requestedBy\":\"alice\",\"targetDatabase\":null,\"targetUploadsDir\":null,"
                    + "\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "started with blank targets | {\"backupKind\":null,\"backupId\":\"20251031\",\"restoreDatabase\":true,\"restoreUploads\":true,"
                    + "\"reason\":null,\"requestedBy\":null,\"targetDatabase\":null,\"targetUploadsDir\":null,\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "a rollback of a side-by-side | {\"backupKind\":\"safety\",\"backupId\":\"20251031_2\",\"restoreDatabase\":true,"
                    + "\"restoreUploads\":false,\"reason\":null,\"requestedBy\":\"bob\",\"targetDatabase\":\"llm_check\","
                    + "\"targetUploadsDir\":null,\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":null}",
            "an undo | {\"backupKind\":\"safety\",\"backupId\":\"20251030\",\"restoreDatabase\":true,\"restoreUploads\":false,"
                    + "\"reason\":\"wrong set\",\"requestedBy\":\"alice\",\"targetDatabase\":null,\"targetUploadsDir\":null,"
                    + "\"applicationStopped\":false,\"inPlaceDatabase\":false,\"undoRestoreOf\":12}"})
    void frozenFormWhenBuiltByFactoryKeepsItsFieldsAndReadsBack(String factory, String json) throws Exception {
        RestoreRequest request = REQUESTS.get(factory).get();

        assertThat(JSON.writeValueAsString(request)).isEqualTo(json);
        assertThat(JSON.readValue(json, RestoreRequest.class)).isEqualTo(request);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "inPlace | false", "sideBySide | true", "forDrill | false", "forRecovery | false", "started with blank targets | false",
            "a rollback of a side-by-side | true", "an undo | false"})
    void sideBySideWhenATargetIsGiven(String factory, boolean sideBySide) {
        assertThat(REQUESTS.get(factory).get().sideBySide()).isEqualTo(sideBySide);
    }

    @Test
    void frozenFormWhenWrittenBeforeTheSwapReadsBackAsSwapWithoutUndo() throws Exception {
        String before = "{\"backupKind\":\"daily\",\"backupId\":\"20251031\",\"restoreDatabase\":true,\"restoreUploads\":true,"
                + "\"reason\":null,\"requestedBy\":\"alice\",\"targetDatabase\":null,\"targetUploadsDir\":null,\"applicationStopped\":false}";

        RestoreRequest request = JSON.readValue(before, RestoreRequest.class);

        assertThat(request.swapsDatabase()).isTrue();
        assertThat(request.undo()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "inPlace | true", "sideBySide | false", "forRecovery | true", "an undo | false"})
    void swapsDatabaseWhenInPlaceAndNotAskedOtherwise(String factory, boolean swaps) {
        assertThat(REQUESTS.get(factory).get().swapsDatabase()).isEqualTo(swaps);
        assertThat(REQUESTS.get(factory).get().withInPlaceDatabase(true).swapsDatabase()).as("the old way asked for").isFalse();
    }
}
