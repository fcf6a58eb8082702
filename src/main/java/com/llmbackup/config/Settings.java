package com.llmbackup.config;

import java.net.URI;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;


/**
 * Checks for {@code backup.*} values. Each failure names the key and the value, so that a
 * malformed setting stops start-up with one message an operator can act on.
 */
final class Settings {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern COMPOSE_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    private Settings() {
    }

    static void requireCron(String key, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(key, value, "a cron expression is required." + BackupProperties.Schedule.CRON_HINT);
        }
        if (value.trim().split("\\s+").length != 6) {
            throw invalid(key, value, "it has " + value.trim().split("\\s+").length + " fields, not 6." + BackupProperties.Schedule.CRON_HINT);
        }
    }

    static void requireZone(String key, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        try {
            ZoneId.of(value);
        } catch (DateTimeException e) {
            throw invalid(key, value, "it must be a time zone id such as Asia/Seoul or UTC (unset: the server's zone).");
        }
    }

    static void requireLanguage(String key, String value) {
        if (!Texts.LANGUAGES.contains(value)) {
            throw invalid(key, value, "it must be ko (Korean) or en (English): the language of the log file, alerts and Tasklist texts.");
        }
    }

    static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw invalid(key, value, "it must be a positive duration such as 30s, 10m or 24h.");
        }
    }

    static void requireAtLeast(String key, int value, int min) {
        if (value < min) {
            throw invalid(key, value, "it must be at least " + min + ".");
        }
    }

    static void requireRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw invalid(key, value, "it must be between " + min + " and " + max + ".");
        }
    }

    static void requirePort(String key, int value) {
        requireRange(key, value, 1, 65535);
    }

    static void requireIdentifier(String key, String value) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw invalid(key, value, "it must be a PostgreSQL name (letters, digits, '_', at most 63 characters).");
        }
    }

    /** A replication slot's name, as PostgreSQL takes it. */
    static void requireSlotName(String key, String value) {
        if (value == null || !SLOT_NAME.matcher(value).matches()) {
            throw invalid(key, value, "it must be a replication slot name (lower-case letters, digits, '_', at most 63 characters).");
        }
    }

    static void requireComposeName(String key, String value) {
        if (value == null || !COMPOSE_NAME.matcher(value).matches()) {
            throw invalid(key, value, "it must be a compose name (lower-case letters, digits, '-', '_', '.').");
        }
    }

    static List<String> requireNameList(String key, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(key, value, "list at least one service, comma-separated, e.g. 'backend,frontend'.");
        }
        List<String> names = Arrays.stream(value.split(",")).map(String::trim).toList();
        for (String name : names) {
            if (!COMPOSE_NAME.matcher(name).matches()) {
                throw invalid(key, value, "'" + name + "' is not a service name; list the services comma-separated, e.g. 'backend,frontend'.");
            }
        }
        return names;
    }

    static void requireHttpUrl(String key, String value) {
        try {
            URI uri = URI.create(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw invalid(key, value, "it must be an http:// or https:// URL.");
            }
        } catch (IllegalArgumentException e) {
            if (e instanceof InvalidSettingException) {
                throw e;
            }
            throw invalid(key, value, "it must be an http:// or https:// URL.");
        }
    }

    static void requireRetryCycle(String key, String value) {
        if (value == null || !value.matches("R\\d+/P(T?\\d+[SMHD])+")) {
            throw invalid(key, value, "it must be an ISO 8601 repetition such as R2/PT5M (two retries, five minutes apart).");
        }
    }

    static void requireMode(String key, String value) {
        if (value == null || !value.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
            throw invalid(key, value, "it must be a mode in ls form, e.g. rw------- or rwxr-x---.");
        }
    }

    static void requireDockerHost(String key, String value) {
        if (value == null || !(value.startsWith("unix://") || value.startsWith("tcp://"))) {
            throw invalid(key, value, "it must be unix:///path/to/docker.sock or tcp://127.0.0.1:2375.");
        }
    }

    /** One read-only statement: a SELECT (or WITH ... SELECT) without a second statement after a ';'. */
    static void requireSelect(String key, String value) {
        String sql = value.strip().replaceFirst(";\\s*$", "");
        if (!sql.matches("(?is)(select|with)\\s.+") || sql.contains(";")) {
            throw invalid(key, value, "it must be one SELECT whose first column is a file's path below the uploads folder, "
                    + "e.g. 'SELECT file_path FROM documents'.");
        }
    }

    /** A path (absolute: a relative one would depend on the working directory) or one of restic's remote schemes. */
    static void requireResticRepository(String key, String value) {
        boolean remote = value.matches("(sftp|s3|rest|b2|azure|gs|swift|rclone):.+");
        if (!remote && !value.startsWith("/")) {
            throw invalid(key, withoutUserinfo(value), "it must be an absolute path (a local disk or a mounted NAS) or a restic location "
                    + "such as sftp:user@host:/srv/restic, s3:https://minio.example:9000/bucket or rest:https://host:8000/.");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw invalid(key, withoutUserinfo(value), "it contains control characters.");
        }
    }

    /**
     * A location with the whole userinfo of its URL hidden ({@code rest:https://***@host:8000/}):
     * a password may hold {@code @}, {@code :} or {@code /}, so everything from {@code //} to the
     * last {@code @} goes (a path's {@code @} hides more than needed, never less).
     */
    static String withoutUserinfo(String location) {
        int authority = location.indexOf("//");
        int at = location.lastIndexOf('@');
        return authority < 0 || at < authority ? location : location.substring(0, authority + 2) + "***" + location.substring(at);
    }

    /** restic check's --read-data-subset: a percentage (5%), a fraction (1/10) or a size (500M). */
    static void requireReadDataSubset(String key, String value) {
        if (value == null || !(value.matches("(100|[1-9]?[0-9](\\.[0-9]+)?)%") || value.matches("[1-9][0-9]*/[1-9][0-9]*")
                || value.matches("[1-9][0-9]*[KMGT]"))) {
            throw invalid(key, value, "it must be a percentage such as 5%, a fraction such as 1/10, or a size such as 500M.");
        }
    }

    static InvalidSettingException invalid(String key, Object value, String why) {
        return new InvalidSettingException(key, value, why);
    }
}
