package com.llmbackup.monitoring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.llmbackup.catalog.HistoryEntry;
import com.llmbackup.catalog.RunFailed;
import com.llmbackup.catalog.RunKind;
import com.llmbackup.catalog.RunStatus;
import com.llmbackup.config.BackupProperties;
import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import jakarta.annotation.PreDestroy;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.event.EventListener;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/**
 * Tells operators of a failed run (backup, cleanup, restore, drill), of a breached RPO and of WAL streaming in trouble:
 * a JSON POST to {@code backup.alerts.webhook-url} and/or an e-mail to {@code backup.alerts.mail-to}.
 * With no notifier configured, a WARN log line says so, never silence. Notifications are sent
 * on a thread of their own, so a slow receiver never holds up a backup step. The words are in
 * {@code backup.language}; the field names and {@code event} values stay as they are for scripts.
 */
@Component
public class Alerts {

    private static final Logger log = LoggerFactory.getLogger(Alerts.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COCKPIT = "/camunda/app/cockpit/default/#/process-instance/";

    private final BackupProperties.Alerts settings;
    private final ObjectProvider<JavaMailSender> mail;
    private final Clock clock;
    private final HttpClient http;
    private final Texts texts;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "alerts");
        t.setDaemon(true);
        return t;
    });

    public Alerts(BackupProperties properties, ObjectProvider<JavaMailSender> mail, Clock clock, Texts texts) {
        this.texts = texts;
        this.settings = properties.alerts();
        this.mail = mail;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    @EventListener
    public void runFailed(RunFailed event) {
        HistoryEntry run = event.run();
        Map<String, Object> alert = new LinkedHashMap<>();
        boolean waiting = run.status() == RunStatus.WAITING_FOR_OPERATOR;
        alert.put("event", waiting ? "restore_waiting_for_operator" : "run_failed");
        alert.put("status", run.status().name());
        alert.put("kind", run.kind().label());
        alert.put("backupId", run.backupId());
        alert.put("runId", run.id());
        String failedStep = run.problems().failedStep();
        alert.put("failedStep", failedStep);
        alert.put("message", run.message());
        alert.put("processInstanceId", run.processInstanceId());
        // Cockpit shows only running instances: a restore waiting for an operator; every run has its detail on the admin page
        alert.put("cockpitPath", waiting && run.processInstanceId() != null ? COCKPIT + run.processInstanceId() : null);
        alert.put("detailPath", "/admin/index.html#run=" + run.id());
        if (waiting) {
            alert.put("task", texts.render(run.problems().interruptedStep() != null ? "alert.task.interrupted" : "alert.task.failed"));
        }
        alert.put("at", clock.instant().toString());
        send(alert, texts.render(failedStep == null ? "alert.subject.run" : "alert.subject.runAt", run.kind().titleText(), run.id(),
                Text.of("alert.status." + run.status().name()), failedStep));
    }

    /** The RPO is breached: {@code reason} says how (no backup, or the newest is too old). */
    public void rpoBreached(Text reason) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("event", "rpo_breached");
        alert.put("message", texts.render("alert.rpo.message", reason));
        alert.put("at", clock.instant().toString());
        send(alert, texts.render("alert.rpo.subject"));
    }

    /** A disaster recovery is about to miss its RTO: an operator task waits (Task_RtoAtRisk). */
    public void rtoAtRisk(String processInstanceId, String message) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("event", "rto_at_risk");
        alert.put("kind", RunKind.RECOVERY.label());
        alert.put("message", message);
        alert.put("processInstanceId", processInstanceId);
        alert.put("cockpitPath", COCKPIT + processInstanceId);
        alert.put("task", texts.render("alert.rto.task"));
        alert.put("at", clock.instant().toString());
        send(alert, texts.render("alert.rto.subject"));
    }

    /** The offsite copy of a set failed; the local set is complete and the next run catches up. */
    public void offsiteCopyFailed(String set, long runId, String message) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("event", "offsite_copy_failed");
        alert.put("set", set);
        alert.put("runId", runId);
        alert.put("message", message);
        alert.put("advice", texts.render("alert.offsite.advice"));
        alert.put("at", clock.instant().toString());
        send(alert, texts.render("alert.offsite.subject", set));
    }

    /**
     * WAL streaming needs an operator (docs/wal.md): {@code event} is {@code wal_lag} (behind the
     * server longer than backup.wal.max-lag), {@code wal_slot_retained} (the slot keeps more than
     * backup.wal.max-slot-retained on the database server) or {@code wal_volume_full}.
     */
    public void walProblem(String event, String message, Text advice) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("event", event);
        alert.put("message", message);
        alert.put("advice", texts.render(advice));
        alert.put("at", clock.instant().toString());
        send(alert, texts.render("alert.wal.subject", Text.of("alert.wal." + event)));
    }

    private void send(Map<String, Object> alert, String subject) {
        String body;
        try {
            body = JSON.writeValueAsString(alert);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        JavaMailSender mailer = settings.mailTo() == null ? null : mail.getIfAvailable();
        if (settings.webhookUrl() == null && mailer == null) {
            log.warn("ALERT (no notifier configured: set backup.alerts.webhook-url, or backup.alerts.mail-to and spring.mail.host): {} {}",
                    subject, body);
            return;
        }
        if (settings.mailTo() != null && mailer == null) {
            log.warn("backup.alerts.mail-to is set but spring.mail.host is not: no e-mail for {}", subject);
        }
        sender.execute(() -> {
            if (settings.webhookUrl() != null) {
                post(body, subject);
            }
            if (mailer != null) {
                mail(mailer, subject, alert);
            }
        });
    }

    private void post(String body, String subject) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(settings.webhookUrl()))
                    .timeout(settings.timeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                log.error("Alert webhook {} answered HTTP {} for '{}': {}", settings.webhookUrl(), response.statusCode(), subject, body);
            } else {
                log.info("Alert sent to {}: {}", settings.webhookUrl(), subject);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.error("Alert webhook {} unreachable ({}) for '{}': {}", settings.webhookUrl(), e, subject, body);
        }
    }

    private void mail(JavaMailSender mailer, String subject, Map<String, Object> alert) {
        try {
            // UTF-8 whatever the JVM's default: the words may be Korean (backup.language)
            MimeMessage message = mailer.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(message, StandardCharsets.UTF_8.name());
            helper.setFrom(settings.mailFrom());
            helper.setTo(settings.mailTo().split("\\s*,\\s*"));
            helper.setSubject(subject);
            StringBuilder text = new StringBuilder();
            alert.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
            helper.setText(text.toString());
            mailer.send(message);
            log.info("Alert mailed to {}: {}", settings.mailTo(), subject);
        } catch (MessagingException | RuntimeException e) {
            log.error("Alert e-mail to {} failed ({}) for '{}'", settings.mailTo(), e.getMessage(), subject);
        }
    }

    @PreDestroy
    void stop() {
        sender.shutdown();
    }
}
