package com.llmbackup.security;

import java.security.SecureRandom;
import java.util.List;
import java.util.TreeSet;

import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.ProcessDefinitionPermissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.authorization.TaskPermissions;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Users, groups and rights, set up when the engine is built.
 *
 * <p>The admin comes from {@code CAMUNDA_BPM_ADMINUSER_ID} / {@code _PASSWORD}. The
 * starter would create a missing admin with the id as password (admin/admin) when no
 * password is set; this plugin runs before it and creates the admin itself, with a
 * generated password printed once on the console. On later starts the user exists and
 * nothing is printed; a password given in the environment always wins.
 *
 * <p>Group {@code operators} gets what Tasklist needs to start processes and work on tasks,
 * and nothing to change users or deployments; OperatorAllowlist limits its REST calls further.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AccessSetup extends AbstractProcessEnginePlugin {

    static final String OPERATORS = CurrentUser.OPERATORS;
    /** The processes operators may start (Tasklist, REST): those with a start allowlist; the rest run by timer or as a call. */
    static final List<String> STARTABLE = List.copyOf(new TreeSet<>(SubmittedVariables.STARTS.keySet()));
    private static final Logger log = LoggerFactory.getLogger(AccessSetup.class);
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final Environment environment;

    AccessSetup(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessEngineBuild(ProcessEngine engine) {
        String adminId = ensureAdmin(engine.getIdentityService());
        ensureAdminGroup(engine.getIdentityService(), engine.getAuthorizationService(), adminId);
        ensureOperators(engine.getIdentityService(), engine.getAuthorizationService());
    }

    private String ensureAdmin(IdentityService identity) {
        String id = environment.getProperty("camunda.bpm.admin-user.id", "admin");
        String password = environment.getProperty("camunda.bpm.admin-user.password");
        if (!id.matches("[a-zA-Z0-9]+")) {
            // the engine accepts only letters and digits in user ids; say so instead of a stack trace
            throw new IllegalStateException("Invalid setting CAMUNDA_BPM_ADMINUSER_ID='" + id
                    + "': a Camunda user id has letters and digits only (e.g. 'backupadmin').");
        }
        User user = identity.createUserQuery().userId(id).singleResult();
        if (user == null) {
            boolean generated = password == null || password.isBlank();
            if (generated) {
                password = generatePassword();
            }
            user = identity.newUser(id);
            user.setFirstName("Backup");
            user.setLastName("Administrator");
            user.setPassword(password);
            identity.saveUser(user);
            if (generated) {
                // stdout only, not the logger: the password must not end up in log files
                System.out.println("""

                        ==================================================================
                         llm-backup first start: admin user '%s' created.
                         Generated password: %s
                         It is shown only this once. Keep it, or set
                         CAMUNDA_BPM_ADMINUSER_PASSWORD and restart to choose your own.
                        ==================================================================
                        """.formatted(id, password));
            } else {
                log.info("Admin user '{}' created with the password from CAMUNDA_BPM_ADMINUSER_PASSWORD", id);
            }
        } else if (password != null && !password.isBlank() && !identity.checkPassword(id, password)) {
            // the failed check counted a login attempt on the user's row: save over the fresh row, and lift the delay
            User fresh = identity.createUserQuery().userId(id).singleResult();
            fresh.setPassword(password);
            identity.saveUser(fresh);
            identity.unlockUser(id);
            log.info("Admin user '{}': password updated from CAMUNDA_BPM_ADMINUSER_PASSWORD", id);
        } else if (password == null || password.isBlank()) {
            log.info("Admin user '{}' exists; its password is the one printed at first start "
                    + "(set CAMUNDA_BPM_ADMINUSER_PASSWORD to replace it)", id);
        }
        return id;
    }

    /** As the starter does for its admin: group camunda-admin with every right, and the admin in it. */
    private static void ensureAdminGroup(IdentityService identity, AuthorizationService authorizations, String adminId) {
        if (identity.createGroupQuery().groupId(Groups.CAMUNDA_ADMIN).count() == 0) {
            Group group = identity.newGroup(Groups.CAMUNDA_ADMIN);
            group.setName("camunda BPM Administrators");
            group.setType(Groups.GROUP_TYPE_SYSTEM);
            identity.saveGroup(group);
        }
        for (Resources resource : Resources.values()) {
            if (authorizations.createAuthorizationQuery().groupIdIn(Groups.CAMUNDA_ADMIN)
                    .resourceType(resource).resourceId(Authorization.ANY).count() == 0) {
                Authorization all = authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
                all.setGroupId(Groups.CAMUNDA_ADMIN);
                all.setResource(resource);
                all.setResourceId(Authorization.ANY);
                all.addPermission(Permissions.ALL);
                authorizations.saveAuthorization(all);
            }
        }
        if (identity.createUserQuery().userId(adminId).memberOfGroup(Groups.CAMUNDA_ADMIN).count() == 0) {
            identity.createMembership(adminId, Groups.CAMUNDA_ADMIN);
        }
    }

    private void ensureOperators(IdentityService identity, AuthorizationService authorizations) {
        if (identity.createGroupQuery().groupId(OPERATORS).count() == 0) {
            Group group = identity.newGroup(OPERATORS);
            group.setName("Backup operators");
            group.setType(Groups.GROUP_TYPE_WORKFLOW);
            identity.saveGroup(group);
        }
        grant(authorizations, Resources.APPLICATION, "tasklist", Permissions.ACCESS);
        // Cockpit's calls are not on the operators' allowlist (OperatorAllowlist): it is the administrators' tool
        revoke(authorizations, Resources.APPLICATION, "cockpit");
        grant(authorizations, Resources.FILTER, "*", Permissions.READ);
        // least privilege: start, read, claim and complete; never set variables, modify, migrate, suspend or delete
        // (a restore's approval and plan must not be changed behind the approver's back)
        grant(authorizations, Resources.PROCESS_DEFINITION, "*", Permissions.READ,
                Permissions.READ_INSTANCE, Permissions.READ_HISTORY, Permissions.READ_TASK, ProcessDefinitionPermissions.TASK_WORK);
        // starting is granted per process: never BackupRunProcess (only called), nor anything deployed later
        for (String startable : STARTABLE) {
            grant(authorizations, Resources.PROCESS_DEFINITION, startable, Permissions.READ, Permissions.CREATE_INSTANCE,
                    Permissions.READ_INSTANCE, Permissions.READ_HISTORY, Permissions.READ_TASK, ProcessDefinitionPermissions.TASK_WORK);
        }
        grant(authorizations, Resources.PROCESS_INSTANCE, "*", Permissions.CREATE, Permissions.READ);
        grant(authorizations, Resources.TASK, "*", Permissions.READ, TaskPermissions.TASK_WORK);
        grant(authorizations, Resources.DECISION_DEFINITION, "*", Permissions.READ, Permissions.READ_HISTORY);
        grant(authorizations, Resources.DEPLOYMENT, "*", Permissions.READ);
    }

    private static void grant(AuthorizationService authorizations, Resource resource, String resourceId, Permission... permissions) {
        Authorization existing = authorizations.createAuthorizationQuery()
                .groupIdIn(OPERATORS).resourceType(resource).resourceId(resourceId).singleResult();
        Authorization authorization = existing != null ? existing
                : authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
        authorization.setGroupId(OPERATORS);
        authorization.setResource(resource);
        authorization.setResourceId(resourceId);
        // exactly these: an installation that granted more before gets the narrower rights at this start
        authorization.setPermissions(permissions);
        authorizations.saveAuthorization(authorization);
    }

    private static void revoke(AuthorizationService authorizations, Resource resource, String resourceId) {
        Authorization existing = authorizations.createAuthorizationQuery()
                .groupIdIn(OPERATORS).resourceType(resource).resourceId(resourceId).singleResult();
        if (existing != null) {
            authorizations.deleteAuthorization(existing.getId());
        }
    }

    private static String generatePassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
