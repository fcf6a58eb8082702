package com.llmbackup.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.llmbackup.catalog.BackupCatalog;
import com.llmbackup.catalog.FilePermissions;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunFailed;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Texts;
import com.llmbackup.health.BackupHealthIndicator;
import com.llmbackup.test.FileTrees;
import com.llmbackup.test.ManualClock;
import com.llmbackup.test.TestHttpServer;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** The RPO watch and the e-mail channel, with a real HTTP receiver and a real SMTP server (GreenMail). */
class AlertsTests {

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP);

    @TempDir
    Path root;

    private final ManualClock clock = ManualClock.at("2025-10-31T03:00:00Z");
    private final ObjectMapper json = new ObjectMapper();
    private final TestHttpServer receiver = new TestHttpServer();

    AlertsTests() throws Exception {
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private BackupProperties properties(Map<String, String> extra) {
        Map<String, String> all = new HashMap<>(extra);
        all.put("backup.root", root.toString());
        return new Binder(new MapConfigurationPropertySource(all)).bindOrCreate("backup", BackupProperties.class);
    }

    private Alerts alerts(BackupProperties properties, JavaMailSender mailer) {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        if (mailer != null) {
            beans.addBean("mailSender", mailer);
        }
        return new Alerts(properties, beans.getBeanProvider(JavaMailSender.class), clock, Texts.of(properties.language()));
    }

    @Test
    void checkWhenRpoBreachedAlertsOnceThenAgainAfterRecovery() throws Exception {
        BackupProperties properties = properties(Map.of("backup.alerts.webhook-url", receiver.alertsUrl(), "backup.language", "en"));
        BackupHealthIndicator health = new BackupHealthIndicator(new BackupCatalog(root, FilePermissions.ownerOnly(), clock), properties, clock);
        RpoWatch watch = new RpoWatch(health, alerts(properties, null));
        completeDaily("20251031", "2025-10-31T02:05:00Z");

        watch.check();
        clock.advance(Duration.ofHours(27));
        watch.check();
        watch.check();
        JsonNode alert = json.readTree(await(1).get(0));
        assertThat(alert.get("event").asText()).isEqualTo("rpo_breached");
        assertThat(alert.get("message").asText()).startsWith("RPO breached: the newest complete backup daily/20251031 is 27 h old");
        Thread.sleep(300);
        assertThat(receiver.alerts()).as("one alert per breach, not one per check").hasSize(1);

        completeDaily("20251101", clock.instant().toString());
        watch.check();
        clock.advance(Duration.ofHours(30));
        watch.check();
        assertThat(await(2)).hasSize(2);
    }

    @Test
    void runFailedWhenMailConfiguredSendsEmailWithStepAndMessage() throws Exception {
        // backup.language left at its default: the subject in Korean, the run's stored message as it is
        BackupProperties properties = properties(Map.of("backup.alerts.mail-to", "ops@example.org", "backup.alerts.mail-from", "backup@example.org"));
        JavaMailSenderImpl mailer = new JavaMailSenderImpl();
        mailer.setHost("127.0.0.1");
        mailer.setPort(smtp.getSmtp().getPort());
        Alerts alerts = alerts(properties, mailer);

        alerts.runFailed(new RunFailed(HistoryEntry.of(7, RunKind.WEEKLY, "20251026", "pi-1", RunStatus.FAILED, Instant.parse("2025-10-26T02:00:00Z"),
                Instant.parse("2025-10-26T02:10:00Z"), "No space left on device").with(new HistoryEntry.Problems("Task_ArchiveUploads", null, null))));

        assertThat(smtp.waitForIncomingEmail(5000, 1)).isTrue();
        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertThat(mail.getSubject()).isEqualTo("llm-backup: 주간 전체 백업 실행 7 실패 (Task_ArchiveUploads 단계)");
        assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("ops@example.org");
        assertThat(GreenMailUtil.getBody(mail)).contains("message: No space left on device");
    }

    private List<String> await(int count) throws InterruptedException {
        for (int i = 0; i < 100 && receiver.alerts().size() < count; i++) {
            Thread.sleep(50);
        }
        assertThat(receiver.alerts()).hasSizeGreaterThanOrEqualTo(count);
        return receiver.alerts();
    }

    private void completeDaily(String id, String completedAt) throws Exception {
        FileTrees.completeDaily(root, id, completedAt);
    }
}
