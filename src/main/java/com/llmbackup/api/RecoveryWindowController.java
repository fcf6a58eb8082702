package com.llmbackup.api;

import com.llmbackup.wal.RecoveryWindow;
import com.llmbackup.wal.RecoveryWindows;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The point-in-time recovery window for the admin page and the web app's panel (docs/api.md,
 * docs/wal.md): {@code {from, to, gaps: [{from, to, reason}], receiver: {state, lastReceivedAt,
 * lagBytes, lagSeconds, ...}, baseBackups: [{label, consistentAt, reachesTo, ...}], note}};
 * {@code from} and {@code to} are null while nothing can be recovered ({@code note} says why).
 */
@RestController
class RecoveryWindowController {

    private final RecoveryWindows windows;

    RecoveryWindowController(RecoveryWindows windows) {
        this.windows = windows;
    }

    @GetMapping("/api/backups/recovery-window")
    RecoveryWindow window() {
        return windows.current();
    }
}
