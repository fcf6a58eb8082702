package com.llmbackup.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.BackupKind;
import com.llmbackup.catalog.BackupSet;
import com.llmbackup.catalog.BackupSetId;
import com.llmbackup.catalog.LeaseManager;
import com.llmbackup.security.CurrentUser;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pinning (before an upgrade, for an audit): a pinned set is never deleted by the cleanup.
 * The pin is written into the set's manifest under the lock on the backup root, so it
 * survives a rebuilt history. HTTP Basic with an engine user of group {@code operators}
 * or {@code camunda-admin}.
 *
 * <pre>
 * PUT    /api/backups/{kind}/{id}/pin   {"reason": "before upgrade to 2.0"}
 * DELETE /api/backups/{kind}/{id}/pin
 * </pre>
 */
@RestController
@RequestMapping("/api/backups/{kind}/{id}/pin")
class BackupPinController {

    private final BackupCatalog catalog;
    private final LeaseManager leases;
    private final CurrentUser user;

    BackupPinController(BackupCatalog catalog, LeaseManager leases, CurrentUser user) {
        this.catalog = catalog;
        this.leases = leases;
        this.user = user;
    }

    @PutMapping
    ResponseEntity<Map<String, Object>> pin(@PathVariable String kind, @PathVariable String id,
                                            @RequestBody(required = false) Map<String, String> body) {
        String reason = body == null ? null : body.get("reason");
        return change(kind, id, true, reason == null || reason.isBlank() ? "pinned by " + user() : reason + " (" + user() + ")");
    }

    @DeleteMapping
    ResponseEntity<Map<String, Object>> unpin(@PathVariable String kind, @PathVariable String id) {
        return change(kind, id, false, null);
    }

    private ResponseEntity<Map<String, Object>> change(String kind, String id, boolean pinned, String reason) {
        if (!user.isOperator()) {
            return error(HttpStatus.FORBIDDEN, "Only members of group operators or camunda-admin may pin backups.");
        }
        BackupKind backupKind;
        BackupSetId setId;
        try {
            backupKind = BackupKind.fromDir(kind);
            setId = BackupSetId.parse(id);
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage());
        }
        String owner = "pin-" + UUID.randomUUID();
        LeaseManager.Attempt attempt = leases.tryAcquireForWork(owner, "pin by " + user());
        if (attempt.busy()) {
            return error(HttpStatus.CONFLICT, "Run " + attempt.holder().owner() + " (" + attempt.holder().purpose()
                    + ") holds the lock on the backup root; try again when it has finished.");
        }
        try {
            BackupSet set = catalog.pin(backupKind, setId, pinned, reason, attempt.lease());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("kind", set.kind().dir());
            answer.put("id", set.id().toString());
            answer.put("pinned", set.pinned());
            answer.put("reason", set.manifest().pinnedReason());
            return ResponseEntity.ok(answer);
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.NOT_FOUND, e.getMessage());
        } catch (IllegalStateException e) {
            return error(HttpStatus.CONFLICT, e.getMessage());
        } finally {
            attempt.lease().release();
        }
    }

    private String user() {
        return user.id().orElse("unknown");
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }
}
