package com.llmbackup.restore;

import java.util.List;
import java.util.Optional;

/**
 * Which compose services a restore stopped, so that it starts exactly those again (in the
 * configured order: dependencies first). Pure: the steps pass what they saw.
 */
public final class StoppedServices {

    private StoppedServices() {
    }

    /**
     * After Task_StopServices: the configured services this stop or an earlier attempt stopped.
     * After an interrupted stop all of them: its first attempt stopped some that this one finds
     * stopped already, and a rollback after the interruption finds them so too; they are still
     * this restore's to start.
     */
    public static List<String> afterStop(List<String> configured, List<String> stoppedBefore, List<String> stoppedNow,
                                         boolean afterInterruptedStop) {
        if (afterInterruptedStop) {
            return configured;
        }
        return configured.stream().filter(s -> stoppedBefore.contains(s) || stoppedNow.contains(s)).toList();
    }

    /**
     * After a failure: what the restore recorded as stopped; when it failed while stopping (nothing
     * recorded yet) all configured services, since some may be stopped; otherwise none.
     */
    public static List<String> toStartAfterFailure(List<String> configured, Optional<List<String>> recorded, String failedStep) {
        return recorded.orElse(RestoreGuard.STOP_STEP.equals(failedStep) ? configured : List.of());
    }
}
