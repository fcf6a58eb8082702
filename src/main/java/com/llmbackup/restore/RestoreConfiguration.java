package com.llmbackup.restore;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/** The threads the restore's uploads half runs on while the database half runs on the job's thread. */
@Configuration(proxyBeanMethods = false)
class RestoreConfiguration {

    @Bean
    ThreadPoolTaskExecutor restoreTaskExecutor() {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setThreadNamePrefix("restore-uploads-");
        executor.setCorePoolSize(1);
        executor.setMaxPoolSize(4);
        executor.setQueueCapacity(0); // a restore's half never waits behind another's
        executor.setDaemon(true);
        return executor;
    }
}
