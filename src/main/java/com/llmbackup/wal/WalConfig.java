package com.llmbackup.wal;

import java.time.Clock;

import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.exec.CommandRunner;
import com.llmbackup.postgres.PostgresClient;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** The WAL folder, the server's side and the receiver; the receiver starts once the application is ready. */
@Configuration(proxyBeanMethods = false)
class WalConfig {

    @Bean
    WalArchive walArchive(BackupProperties properties, FilePermissions permissions) {
        return new WalArchive(properties.root(), permissions);
    }

    @Bean(destroyMethod = "close")
    WalServer walServer(PostgresClient postgres) {
        return new WalServer(postgres);
    }

    @Bean(destroyMethod = "close")
    WalReceiver walReceiver(BackupProperties properties, WalArchive archive, WalServer server, PostgresClient postgres,
                            CommandRunner runner, Clock clock, FilePermissions permissions) {
        return new WalReceiver(properties, archive, server, postgres, runner, clock, permissions);
    }

    @Bean
    BaseBackups baseBackups(BackupProperties properties, PostgresClient postgres, CommandRunner runner, WalServer server,
                            WalReceiver receiver, Clock clock) {
        return new BaseBackups(properties, postgres, runner, server, receiver, clock);
    }

    @EventListener(ApplicationReadyEvent.class)
    void startReceiver(ApplicationReadyEvent event) {
        event.getApplicationContext().getBean(WalReceiver.class).start();
    }
}
