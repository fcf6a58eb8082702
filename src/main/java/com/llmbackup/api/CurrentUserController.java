package com.llmbackup.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.security.CurrentUser;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the logged-in user may do on the admin page, so that it disables the rest with the reason:
 * restoring, verifying (a restore drill), pinning and taking a base backup (a weekly started from the
 * page) are for operators and administrators, Cockpit
 * for administrators (its calls are not on the operators' allowlist).
 *
 * <pre>
 * GET /api/backups/me  {"userId": "alice", "operator": true, "admin": false,
 *                       "refused": {"cockpit": {"code": "admins_only", "message": "..."}},
 *                       "requireSecondOperator": false}
 * </pre>
 * {@code requireSecondOperator}: whether a restore's requester may not approve it, so the restore
 * dialog says who approves.
 */
@RestController
class CurrentUserController {

    static final String OPERATORS_ONLY = "operators_only";
    static final String ADMINS_ONLY = "admins_only";
    /** What the page asks about: the operators' actions, and Cockpit. */
    static final List<String> OPERATOR_ACTIONS = List.of("restore", "verify", "pin", "base_backup");
    static final String COCKPIT = "cockpit";

    private final CurrentUser user;
    private final boolean requireSecondOperator;

    CurrentUserController(CurrentUser user, BackupProperties properties) {
        this.user = user;
        this.requireSecondOperator = properties.restore().requireSecondOperator();
    }

    @GetMapping("/api/backups/me")
    Map<String, Object> me() {
        boolean operator = user.isOperator();
        boolean admin = user.isAdmin();
        Map<String, Object> refused = new LinkedHashMap<>();
        if (!operator) {
            for (String action : OPERATOR_ACTIONS) {
                refused.put(action, reason(OPERATORS_ONLY, "Only members of group operators or camunda-admin may " + what(action) + "."));
            }
        }
        if (!admin) {
            refused.put(COCKPIT, reason(ADMINS_ONLY, "Cockpit is for administrators (group camunda-admin); operators follow runs "
                    + "on this page and work on their tasks in Tasklist."));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("userId", user.id().orElse(null));
        answer.put("operator", operator);
        answer.put("admin", admin);
        answer.put("refused", refused);
        answer.put("requireSecondOperator", requireSecondOperator);
        return answer;
    }

    private static String what(String action) {
        return action.equals("base_backup") ? "take a base backup" : action + " a set";
    }

    private static Map<String, String> reason(String code, String message) {
        return Map.of("code", code, "message", message);
    }
}
