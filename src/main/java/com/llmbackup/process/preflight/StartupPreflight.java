package com.llmbackup.process.preflight;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.process.engine.ProcessKeys;
import org.camunda.bpm.engine.RuntimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Starts {@code PreflightProcess} once the models are deployed, so that a missing folder,
 * an unreachable database or Docker shows in Cockpit right after start-up. Its checks run
 * on the job executor: start-up never waits for them and never fails because of them.
 */
@Component
class StartupPreflight {

    static final String BUSINESS_KEY = "startup";
    private static final Logger log = LoggerFactory.getLogger(StartupPreflight.class);

    private final RuntimeService runtime;
    private final BackupProperties properties;

    StartupPreflight(RuntimeService runtime, BackupProperties properties) {
        this.runtime = runtime;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void startPreflight() {
        if (!properties.preflight().onStartup()) {
            return;
        }
        var instance = runtime.startProcessInstanceByKey(ProcessKeys.PREFLIGHT, BUSINESS_KEY);
        log.info("Preflight started at start-up: process instance {} (see Cockpit)", instance.getId());
    }
}
