package com.llmbackup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class LlmBackupApplication {

    public static void main(String[] args) {
        SpringApplication.run(LlmBackupApplication.class, args);
    }
}
