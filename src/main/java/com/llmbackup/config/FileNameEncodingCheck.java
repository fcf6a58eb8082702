package com.llmbackup.config;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;

/** Runs {@link FileNameEncoding#requireUtf8()} as the first thing of every start, before any bean reads a path. */
class FileNameEncodingCheck implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        FileNameEncoding.requireUtf8();
    }
}
