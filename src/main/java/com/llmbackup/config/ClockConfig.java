package com.llmbackup.config;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClockConfig {

    /** One clock for every service, so tests can move time without touching the system's. */
    @Bean
    Clock clock() {
        return Clock.systemDefaultZone();
    }
}
