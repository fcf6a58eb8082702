package com.llmbackup.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.llmbackup.config.Text;

/**
 * One run as recorded in {@code backup_history}: what every run has, and its parts grouped by
 * who writes them (never null; a part a run never wrote holds nulls). {@code message} is the
 * outcome in {@code backup.language}; {@code text} the same as a key and arguments, rendered in the
 * viewer's language (null for a message written before V12 or without a key).
 */
public record HistoryEntry(long id, RunKind kind, String backupId, String processInstanceId, RunStatus status,
                           Instant startedAt, Instant endedAt, String message, boolean rebuilt,
                           Figures figures, Progress progress, Request request, Problems problems, Offsite offsite, Text text) {

    public HistoryEntry(long id, RunKind kind, String backupId, String processInstanceId, RunStatus status,
                        Instant startedAt, Instant endedAt, String message, boolean rebuilt,
                        Figures figures, Progress progress, Request request, Problems problems, Offsite offsite) {
        this(id, kind, backupId, processInstanceId, status, startedAt, endedAt, message, rebuilt, figures, progress, request, problems,
                offsite, null);
    }

    /** A run with nothing but its core (tests, and a row being built). */
    public static HistoryEntry of(long id, RunKind kind, String backupId, String processInstanceId, RunStatus status,
                                  Instant startedAt, Instant endedAt, String message) {
        return new HistoryEntry(id, kind, backupId, processInstanceId, status, startedAt, endedAt, message, false,
                Figures.NONE, Progress.NONE, Request.NONE, Problems.NONE, Offsite.NONE);
    }

    public HistoryEntry with(Problems problems) {
        return new HistoryEntry(id, kind, backupId, processInstanceId, status, startedAt, endedAt, message, rebuilt, figures, progress,
                request, problems, offsite, text);
    }

    public HistoryEntry with(Request request) {
        return new HistoryEntry(id, kind, backupId, processInstanceId, status, startedAt, endedAt, message, rebuilt, figures, progress,
                request, problems, offsite, text);
    }

    /** What a backup wrote (its manifest's figures) and, for a restore, drill or recovery, its RTO. */
    public record Figures(Long bytes, Long fileCount, Long filesCopied, Long filesLinked, Long rtoMillis) {
        static final Figures NONE = new Figures(null, null, null, null, null);
    }

    /** How far a long step has come, while the run goes. */
    public record Progress(Long filesDone, Long filesTotal, Long bytesDone, Long bytesTotal) {
        static final Progress NONE = new Progress(null, null, null, null);
    }

    /**
     * Who asked for a run that an operator starts (restore, drill, recovery), who approved it,
     * the set it is about ({@code daily/20251031}) and its details (a line per step, comments).
     */
    public record Request(String requestedBy, String approvedBy, String source, String details, String detailTexts) {
        static final Request NONE = new Request(null, null, null, null);

        public Request(String requestedBy, String approvedBy, String source, String details) {
            this(requestedBy, approvedBy, source, details, null);
        }

        /**
         * The details, a line each: a line written from a key in {@code render}'s language, a line
         * written as words (or before V12) as it is.
         */
        public List<String> detailLines(Function<Text, String> render) {
            if (details == null) {
                return List.of();
            }
            List<String> lines = List.of(details.split("\n"));
            String[] texts = detailTexts == null ? new String[0] : detailTexts.split("\n", -1);
            if (texts.length != lines.size()) {
                return lines; // cut or written before V12: as stored
            }
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                int space = texts[i].indexOf(' ');
                shown.add(space < 0 ? lines.get(i) : render.apply(Text.stored(texts[i].substring(0, space), texts[i].substring(space + 1))));
            }
            return shown;
        }
    }

    /** What went wrong: the step the run failed at, the step an interruption stopped (a restore), the warnings. */
    public record Problems(String failedStep, String interruptedStep, String warnings) {
        static final Problems NONE = new Problems(null, null, null);
    }

    /**
     * The offsite copy of the run's set: restic's snapshot id, the bytes it sent, the files it
     * read and those it skipped as unchanged (null for copies made before these were recorded), when.
     */
    public record Offsite(String snapshotId, Long bytesSent, Long filesRead, Long filesUnchanged, Instant at) {
        static final Offsite NONE = new Offsite(null, null, null, null, null);
    }
}
