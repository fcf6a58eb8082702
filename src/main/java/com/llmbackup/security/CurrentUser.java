package com.llmbackup.security;

import java.util.List;
import java.util.Optional;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.stereotype.Component;

/**
 * The user the engine authenticated for the current request (REST Basic, the webapps' session),
 * for the API's own endpoints: they ask here instead of reading the engine's identity service.
 */
@Component
public class CurrentUser {

    /** The group whose members run, approve and resolve backups and restores (AccessSetup creates it). */
    public static final String OPERATORS = "operators";

    private final IdentityService identity;

    CurrentUser(IdentityService identity) {
        this.identity = identity;
    }

    /** The authenticated user's id, if a user is authenticated. */
    public Optional<String> id() {
        Authentication auth = identity.getCurrentAuthentication();
        return Optional.ofNullable(auth == null ? null : auth.getUserId());
    }

    /** Whether the user is an administrator (group camunda-admin): every REST call, Cockpit and Admin. */
    public boolean isAdmin() {
        Authentication auth = identity.getCurrentAuthentication();
        List<String> groups = auth == null ? null : auth.getGroupIds();
        return groups != null && groups.contains(Groups.CAMUNDA_ADMIN);
    }

    /** Whether the user is an operator or an administrator (group operators or camunda-admin). */
    public boolean isOperator() {
        Authentication auth = identity.getCurrentAuthentication();
        List<String> groups = auth == null ? null : auth.getGroupIds();
        return groups != null && (groups.contains(OPERATORS) || groups.contains(Groups.CAMUNDA_ADMIN));
    }
}
