package com.llmbackup.security;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The REST starter serves {@code /engine-rest} without any authentication; this puts
 * HTTP Basic in front of it and of the orchestrator's own {@code /api}, checked against the
 * engine's own users, so that the engine's authorizations apply to every REST call.
 */
@Configuration(proxyBeanMethods = false)
class RestAuthenticationConfig {

    @Bean
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication() {
        FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
        registration.setName("engine-rest-authentication");
        // the orchestrator's own API (/api/...) is for the same users, with the same login
        registration.addUrlPatterns("/engine-rest/*", "/api/*");
        registration.addInitParameter("authentication-provider", HttpBasicAuthenticationProvider.class.getName());
        registration.setOrder(1);
        return registration;
    }

    /**
     * After the login: everyone but an administrator reaches only the calls of OperatorAllowlist, on every path
     * through which the engine's services are reachable (the engine's REST API, the webapps' APIs, the orchestrator's).
     */
    @Bean
    FilterRegistrationBean<OperatorAllowlistFilter> operatorAllowlist(ProcessEngine engine) {
        FilterRegistrationBean<OperatorAllowlistFilter> registration = new FilterRegistrationBean<>(new OperatorAllowlistFilter(engine));
        registration.setName("operator-allowlist");
        registration.addUrlPatterns("/engine-rest/*", "/camunda/api/*", "/api/*");
        registration.setOrder(2);
        return registration;
    }

    /** Then, for everyone: the variables a start and a task may take (engine REST and Tasklist's API). */
    @Bean
    FilterRegistrationBean<SubmittedVariablesFilter> submittedVariables(TaskService tasks,
                                                                          RepositoryService repository) {
        FilterRegistrationBean<SubmittedVariablesFilter> registration = new FilterRegistrationBean<>(new SubmittedVariablesFilter(tasks, repository));
        registration.setName("submitted-variables");
        registration.addUrlPatterns("/engine-rest/*", "/camunda/api/*");
        registration.setOrder(3);
        return registration;
    }

    @Bean
    FilterRegistrationBean<ActuatorLoginFilter> actuatorAuthentication(IdentityService identity) {
        FilterRegistrationBean<ActuatorLoginFilter> registration = new FilterRegistrationBean<>(new ActuatorLoginFilter(identity));
        registration.setName("actuator-authentication");
        registration.addUrlPatterns("/actuator/*");
        registration.setOrder(2);
        return registration;
    }
}
