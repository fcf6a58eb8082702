package com.llmbackup.api;

import java.util.LinkedHashMap;
import java.util.Map;

import com.llmbackup.drill.DrillEvidence;
import com.llmbackup.drill.DrillEvidenceStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The restore drills' evidence (one JSON report per drilled set, {@link DrillEvidence}), for the
 * admin page and auditors; authenticated like the rest of /api.
 *
 * <pre>
 * GET /api/backups/drills?page=0&amp;size=50   {"items": [evidence...], "page", "size", "total"}, newest first
 * GET /api/backups/drills/{runId}            one evidence (404 with "error" when there is none)
 * </pre>
 */
@RestController
@RequestMapping("/api/backups/drills")
class DrillEvidenceController {

    private static final int MAX_PAGE = 500;

    private final DrillEvidenceStore evidence;

    DrillEvidenceController(DrillEvidenceStore evidence) {
        this.evidence = evidence;
    }

    @GetMapping
    ResponseEntity<Map<String, Object>> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE) {
            return ResponseEntity.badRequest().body(Map.of("error", "page must be 0 or more and size between 1 and " + MAX_PAGE + "."));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", evidence.list(size, page * size));
        body.put("page", page);
        body.put("size", size);
        body.put("total", evidence.count());
        return ResponseEntity.ok(body);
    }

    @GetMapping("/{runId}")
    ResponseEntity<Object> one(@PathVariable long runId) {
        return evidence.find(runId).<ResponseEntity<Object>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "No drill evidence for run " + runId
                        + ": it is not a drill's row, or its drill has not restored the set yet.")));
    }
}
