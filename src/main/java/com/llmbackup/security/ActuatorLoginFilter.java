package com.llmbackup.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.camunda.bpm.engine.IdentityService;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The engine's users on {@code /actuator}: HTTP Basic is checked against the engine's
 * identity service and, when valid, the request carries the user as its principal, which
 * is what Spring Boot's {@code show-details: when-authorized} looks at. The health status
 * stays anonymous; its details and {@code /actuator/prometheus} need the login.
 */
class ActuatorLoginFilter extends OncePerRequestFilter {

    private final IdentityService identity;

    ActuatorLoginFilter(IdentityService identity) {
        this.identity = identity;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String user = authenticatedUser(request.getHeader("Authorization"));
        boolean open = isHealth(request);
        if (user == null && (!open || request.getHeader("Authorization") != null)) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"llm-backup\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "Log in with an engine user (HTTP Basic).");
            return;
        }
        if (user == null) {
            chain.doFilter(request, response);
            return;
        }
        Principal principal = () -> user;
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public String getRemoteUser() {
                return user;
            }

            @Override
            public boolean isUserInRole(String role) {
                return false;
            }
        }, response);
    }

    /**
     * Whether the request is for the health, judged on the path the server routes, and only when
     * the raw URI spells it plainly: {@code /actuator/health/../prometheus}, escaped dots or
     * {@code ;} path parameters never make another endpoint anonymous.
     */
    private static boolean isHealth(HttpServletRequest request) {
        RequestPath.Result path = RequestPath.of(request.getRequestURI(), request.getContextPath(), request.getServletPath(),
                request.getPathInfo());
        return !path.refused() && (path.path().equals("/actuator/health") || path.path().startsWith("/actuator/health/"));
    }

    private String authenticatedUser(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String user = decoded.substring(0, colon);
        return identity.checkPassword(user, decoded.substring(colon + 1)) ? user : null;
    }
}
