package com.llmbackup.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupHistory;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.Manifest.FileEntry;
import com.llmbackup.catalog.ManifestFiles;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.catalog.Sizes;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.uploads.PathRestorer;
import org.springframework.stereotype.Service;

/**
 * A restore of chosen files or folders of a set ({@code restorePaths}, issue 29): checked before
 * the approval ({@link RestorePathsGuard}), then put into place (only those paths; the versions
 * they replace moved into the run's folder {@code <backup.root>/restores/run_<id>} for an undo;
 * no database change, the application left running) or below the side-by-side root. The set's
 * file list is streamed, never held whole.
 */
@Service
public class FileRestores {

    private final BackupCatalog catalog;
    private final RestoreInspector inspector;
    private final BackupProperties properties;
    private final BackupHistory history;
    private final FrozenPlans plans;

    public FileRestores(BackupCatalog catalog, RestoreInspector inspector, BackupProperties properties, BackupHistory history,
                        FrozenPlans plans) {
        this.plans = plans;
        this.catalog = catalog;
        this.inspector = inspector;
        this.properties = properties;
        this.history = history;
    }

    /** The request as a file restore runs it: the uploads of the set only, never the database. */
    public static RestoreRequest filesOnly(RestoreRequest asked) {
        return new RestoreRequest(asked.backupKind(), asked.backupId(), false, true, asked.reason(), asked.requestedBy(), null,
                asked.targetUploadsDir(), false, false, null);
    }

    /** Where a file restore keeps what it replaced (its run's folder). */
    public Path runFolder(long runId) {
        return catalog.root().resolve("restores").resolve("run_" + runId);
    }

    /** Counts of what a set holds below the chosen paths. */
    record Chosen(Map<String, long[]> perPath) {
        long files() {
            return perPath.values().stream().mapToLong(c -> c[0]).sum();
        }

        long bytes() {
            return perPath.values().stream().mapToLong(c -> c[1]).sum();
        }
    }

    /**
     * The guard of a file restore (refused with {@link RestoreRefusedException}): the paths well
     * formed and in the set, none through a link in the live folder, a side-by-side target
     * allowed; the plan the approver reads names the paths and their counts.
     */
    public RestorePlan inspect(RestoreRequest request, List<String> paths) {
        RestorePathsGuard.syntax(paths).ifPresent(why -> {
            throw refused(why);
        });
        RestoreInspector.Source source = inspector.resolve(request);
        if (source.set().kind() == BackupKind.WEEKLY || source.set().manifest() == null) {
            throw refused(Text.of("restore.files.notSnapshot", source.set().label(),
                    Text.of(source.set().manifest() == null ? "restore.files.legacy" : "restore.files.weekly")));
        }
        List<String> chosen = RestorePathsGuard.normalize(paths);
        Chosen counts = count(source, chosen);
        List<String> missing = chosen.stream().filter(p -> counts.perPath().get(p)[2] == 0).toList();
        RestorePathsGuard.inSet(missing, source.set().label()).ifPresent(why -> {
            throw refused(why);
        });
        if (request.sideBySide()) {
            inspector.checkTargets(request);
        } else {
            for (String p : chosen) {
                // a chosen folder's own name counts too: its content is written below it
                RestorePathsGuard.throughLink(properties.uploadsDir(), p + "/x").ifPresent(why -> {
                    throw refused(why);
                });
            }
        }
        // the plan is the approval's facts: one reader, in backup.language
        Texts texts = history.texts();
        Text where = request.sideBySide() ? Text.of("restore.files.where.sideBySide", request.targetUploadsDir())
                : Text.of("restore.files.where.inPlace", properties.uploadsDir());
        StringBuilder summary = new StringBuilder(texts.render("restore.files.summary", chosen.size(), source.set().label(),
                counts.files(), Sizes.human(counts.bytes()), where));
        counts.perPath().forEach((p, c) -> summary.append("\n  ").append(texts.render("restore.files.summary.path", p, c[0],
                Sizes.human(c[1]))));
        RestorePlan whole = inspector.inspectFiles(request);
        return new RestorePlan(whole.set(), whole.status(), whole.backupTime(), whole.backupAge(),
                texts.render("restore.files.changes"), 0, counts.files(),
                counts.bytes(), String.join(", ", chosen), summary.toString(), null);
    }

    private Chosen count(RestoreInspector.Source source, List<String> chosen) {
        Map<String, long[]> per = new LinkedHashMap<>();
        chosen.forEach(p -> per.put(p, new long[3]));
        try (ManifestFiles.Entries entries = catalog.files(source.set())) {
            while (entries.hasNext()) {
                FileEntry e = entries.next();
                for (String p : chosen) {
                    if (RestorePathsGuard.covers(p, e.path())) {
                        long[] c = per.get(p);
                        c[2]++;
                        if (FileEntry.FILE.equals(e.type())) {
                            c[0]++;
                            c[1] += e.size();
                        }
                    }
                }
            }
        }
        return new Chosen(per);
    }

    /**
     * Task_RestoreFiles: the chosen paths put back (into place, or into the side-by-side folder);
     * a second run after a crash finishes what the first began. Returns what the history says.
     */
    public Text restore(long runId, RestoreRequest plan, List<String> paths, boolean applicationStopped) {
        RestoreInspector.Source source = inspector.resolve(plan);
        Path target = plan.sideBySide() ? Path.of(plan.targetUploadsDir()) : properties.uploadsDir();
        if (!plan.sideBySide()) {
            for (String p : paths) {
                RestorePathsGuard.throughLink(target, p + "/x").ifPresent(why -> {
                    throw new IllegalStateException(history.texts().render("restore.files.nothingMoreWritten", why));
                });
            }
        }
        PathRestorer.Result result;
        try (ManifestFiles.Entries entries = catalog.files(source.set())) {
            PathRestorer restorer = new PathRestorer(target, plan.sideBySide() ? null : runFolder(runId));
            result = restorer.restore(source.uploads(), chosen(entries, paths));
        }
        String restored = String.join(", ", paths);
        String bytes = Sizes.human(result.bytesWritten());
        if (plan.sideBySide()) {
            return Text.of("restore.files.restored.sideBySide", restored, source.set().label(), target, result.filesWritten(), bytes,
                    result.filesAlreadyThere(), result.filesReplaced());
        }
        return Text.of("restore.files.restored.inPlace", restored, source.set().label(), target, result.filesWritten(), bytes,
                result.filesAlreadyThere(), result.filesReplaced(), runFolder(runId),
                Text.of(applicationStopped ? "restore.files.restored.stopped" : "restore.files.restored.running"));
    }

    /** The entries below the chosen paths, still streamed. */
    private static Iterator<FileEntry> chosen(Iterator<FileEntry> all, List<String> paths) {
        return new Iterator<>() {
            private FileEntry next = advance();

            private FileEntry advance() {
                while (all.hasNext()) {
                    FileEntry e = all.next();
                    if (paths.stream().anyMatch(p -> RestorePathsGuard.covers(p, e.path()))) {
                        return e;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public FileEntry next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                FileEntry e = next;
                next = advance();
                return e;
            }
        };
    }

    /**
     * The undo of file restore run {@code undone}, refused unless it completed into place and its
     * folder still holds what it replaced (an undo done already removes it).
     */
    public RestorePlan inspectUndo(long undone, RestoreRequest undonePlan, List<String> paths) {
        HistoryEntry run = history.find(undone).filter(e -> e.kind() == RunKind.RESTORE)
                .orElseThrow(() -> refused(Text.of("restore.files.undo.notRestore", undone)));
        if (run.status() != RunStatus.COMPLETED && run.status() != RunStatus.FAILED) {
            throw refused(Text.of("restore.files.undo.status", undone, run.status()));
        }
        if (undonePlan.sideBySide()) {
            throw refused(Text.of("restore.files.undo.sideBySide", undone));
        }
        if (!Files.isDirectory(runFolder(undone))) {
            throw refused(Text.of("restore.files.undo.noFolder", undone, runFolder(undone)));
        }
        RestorePlan whole = inspector.inspectFiles(undonePlan);
        Texts texts = history.texts();
        String summary = texts.render("restore.files.undo.summary", undone, runFolder(undone), properties.uploadsDir(),
                String.join(", ", paths));
        return new RestorePlan(whole.set(), whole.status(), whole.backupTime(), whole.backupAge(),
                texts.render("restore.files.undo.changes"), 0, 0, 0,
                String.join(", ", paths), summary, null);
    }

    /**
     * Whether {@code run} is a file restore into place that an undo can still put back (it
     * ended, and its folder still holds what it replaced): for the page's Undo.
     */
    public boolean undoable(HistoryEntry run) {
        if (run.kind() != RunKind.RESTORE || (run.status() != RunStatus.COMPLETED && run.status() != RunStatus.FAILED)
                || plans.restorePaths(run.id()).isEmpty()) {
            return false;
        }
        return plans.frozenRequest(run.id()).filter(plan -> !plan.undo() && !plan.sideBySide()).isPresent()
                && Files.isDirectory(runFolder(run.id()));
    }

    /** Task_RestoreFiles of an undo: safe to run twice (what is back is no longer kept). */
    public Text undo(long undone) {
        Path folder = runFolder(undone);
        if (!Files.isDirectory(folder)) {
            return Text.of("restore.files.undid.again", undone);
        }
        PathRestorer.Undone result = new PathRestorer(properties.uploadsDir(), folder).undo();
        try {
            // kept for the record, but no second undo of the same run
            Files.move(folder, folder.resolveSibling(folder.getFileName() + ".undone"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark " + folder + " as undone: " + e.getMessage(), e);
        }
        List<String> notes = new ArrayList<>(result.leftAlone());
        return notes.isEmpty() ? Text.of("restore.files.undid", undone, result.putBack(), result.removed())
                : Text.of("restore.files.undid.leftAlone", undone, result.putBack(), result.removed(), String.join(", ", notes));
    }

    private RestoreRefusedException refused(Text why) {
        return new RestoreRefusedException(history.texts().render(Text.of("restore.refused.nothingChanged", why)));
    }
}
