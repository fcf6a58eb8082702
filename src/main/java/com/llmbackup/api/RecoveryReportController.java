package com.llmbackup.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.llmbackup.recovery.DisasterRecoveryService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The disaster recoveries' reports for the admin page (docs/drill-and-recovery.md), newest first:
 * {@code {"items": [{outcome, declaredAt, healthyAt, rtoSeconds, rtoTargetSeconds, rtoMet,
 * restoredSet, backupTime, rpoSeconds, rpoTargetSeconds, rpoMet, steps: [...]}, ...]}}.
 */
@RestController
class RecoveryReportController {

    private final DisasterRecoveryService recoveries;

    RecoveryReportController(DisasterRecoveryService recoveries) {
        this.recoveries = recoveries;
    }

    @GetMapping("/api/backups/recoveries")
    Map<String, List<JsonNode>> recoveries() {
        return Map.of("items", recoveries.reports());
    }
}
