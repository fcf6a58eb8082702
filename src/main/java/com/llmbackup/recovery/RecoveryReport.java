package com.llmbackup.recovery;

import com.llmbackup.config.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The report of one disaster recovery, stored as JSON in its history row and served by
 * {@code GET /api/backups/recoveries}. RTO achieved: from the declaration (the recovery's start)
 * to the application's passed health check; RPO achieved: from the restored set's backup time to
 * the declaration (the data written after it are lost). Either is null when the recovery did not
 * get that far. Durations in seconds; {@code *Met} compares with {@code backup.dr.rto} and {@code backup.rpo}.
 */
public record RecoveryReport(long runId, String processInstanceId, String outcome, String message, String declaredBy,
                             String confirmedBy, String reason, Instant declaredAt, Instant healthyAt, Instant endedAt,
                             String restoredSet, Instant backupTime, Long rtoSeconds, long rtoTargetSeconds, Boolean rtoMet,
                             Long rpoSeconds, long rpoTargetSeconds, Boolean rpoMet, boolean rtoEscalated, String restoreProcessInstanceId,
                             Boolean preflightPassed, List<Step> steps) {

    /** How a recovery ended. */
    public static final String RECOVERED = "recovered";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    /** One step as the engine recorded it: a user task's operator, or {@code llm-backup} for an automated one. */
    public record Step(String activityId, String name, String type, Instant startedAt, Instant endedAt, Long durationSeconds, String by) {
        public static Step of(String activityId, String name, String type, Instant startedAt, Instant endedAt, String by) {
            return new Step(activityId, name, type, startedAt, endedAt, seconds(startedAt, endedAt), by);
        }
    }

    /** The figures, computed from the facts: nothing is measured here. */
    public static RecoveryReport of(long runId, String processInstanceId, String outcome, String message, String declaredBy,
                                    String confirmedBy, String reason, Instant declaredAt, Instant healthyAt, Instant endedAt,
                                    String restoredSet, Instant backupTime, Duration rto, Duration rpo, boolean rtoEscalated,
                                    String restoreProcessInstanceId, Boolean preflightPassed, List<Step> steps) {
        Long rtoSeconds = seconds(declaredAt, healthyAt);
        Long rpoSeconds = seconds(backupTime, declaredAt);
        return new RecoveryReport(runId, processInstanceId, outcome, message, declaredBy, confirmedBy, reason, declaredAt, healthyAt,
                endedAt, restoredSet, backupTime, rtoSeconds, rto.toSeconds(), rtoSeconds == null ? null : rtoSeconds <= rto.toSeconds(),
                rpoSeconds, rpo.toSeconds(), rpoSeconds == null ? null : rpoSeconds <= rpo.toSeconds(), rtoEscalated,
                restoreProcessInstanceId, preflightPassed, List.copyOf(steps));
    }

    /** When the RTO timer escalates: at three quarters of the RTO, leaving a quarter to act. */
    public static Duration escalationAfter(Duration rto) {
        return rto.multipliedBy(3).dividedBy(4);
    }

    /** One line for the history row's message and the log (a text: the page shows it in the viewer's language). */
    public Text summary() {
        return switch (outcome) {
            case RECOVERED -> Text.of(Boolean.FALSE.equals(preflightPassed) ? "recovery.summary.recovered.preflight" : "recovery.summary.recovered",
                    restoredSet, human(rtoSeconds), human(rtoTargetSeconds), Text.of(Boolean.TRUE.equals(rtoMet) ? "recovery.met" : "recovery.missed"),
                    human(rpoSeconds), human(rpoTargetSeconds), Text.of(Boolean.TRUE.equals(rpoMet) ? "recovery.met" : "recovery.missed"));
            case CANCELLED -> Text.of("recovery.summary.cancelled", message);
            default -> Text.of("recovery.summary.failed", message);
        };
    }

    static String human(Long seconds) {
        if (seconds == null) {
            return "-";
        }
        long s = Math.max(0, seconds);
        return s >= 3600 ? (s / 3600) + " h " + (s % 3600 / 60) + " min" : s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    private static Long seconds(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to).toSeconds();
    }

    /**
     * What the confirming operator reads of the server: a recovery expects a new one, whose
     * history holds no run of its own; runs recorded here mean this may be the production server.
     */
    public static String serverFact(long runsRecordedHere) {
        if (runsRecordedHere == 0) {
            return "이 서버의 이력에는 자체 실행 기록이 없습니다 (새 서버). · This server's history holds no run of its own: a new server, as a recovery expects.";
        }
        return "주의: 이 서버의 이력에 이미 " + runsRecordedHere + "건의 실행 기록이 있습니다. 운영 중인 서버라면 확인하지 말고 취소하십시오. · "
                + "Warning: this server's history already holds " + runsRecordedHere + " run(s) recorded here (not rebuilt from the copied "
                + "manifests): if this is the production server, do not confirm; cancel the recovery and use a restore (RestoreProcess).";
    }
}
