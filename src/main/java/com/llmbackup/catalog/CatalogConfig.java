package com.llmbackup.catalog;

import java.time.Clock;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

@Configuration(proxyBeanMethods = false)
class CatalogConfig {

    @Bean
    FilePermissions filePermissions(BackupProperties properties) {
        return new FilePermissions(properties.permissions().files(), properties.permissions().dirs());
    }

    @Bean
    BackupCatalog backupCatalog(BackupProperties properties, FilePermissions permissions, Clock clock) {
        return new BackupCatalog(properties.root(), permissions, clock);
    }

    /** The engine answers whether a lease's owner still runs; without one, owners count as active. */
    @Bean(destroyMethod = "close")
    LeaseManager leaseManager(BackupProperties properties, FilePermissions permissions, Clock clock,
                              ObjectProvider<OwnerLiveness> liveness) {
        // each orchestrator's clock is trusted within max-skew of the database server's: two may differ by twice that
        return new LeaseManager(properties.root(), properties.lock().leaseTtl(), properties.clock().maxSkew().multipliedBy(2), clock,
                liveness.getIfAvailable(() -> OwnerLiveness.ALWAYS_ACTIVE), permissions);
    }

    /** Failures are published as {@link RunFailed} events (the alerts listen). */
    @Bean
    BackupHistory backupHistory(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock, Texts texts,
                                ApplicationEventPublisher events) {
        return new BackupHistory(jdbc, transactions, clock, texts, failed -> events.publishEvent(new RunFailed(failed)));
    }
}
