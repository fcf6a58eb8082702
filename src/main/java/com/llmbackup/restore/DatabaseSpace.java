package com.llmbackup.restore;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import com.llmbackup.config.BackupProperties;
import com.llmbackup.docker.ComposeServices;
import com.llmbackup.postgres.PostgresClient;
import org.springframework.stereotype.Component;

/**
 * Whether the database server's volume has room for a second copy of the live database, where
 * the orchestrator can see that volume: in the compose project's database container
 * ({@code backup.compose.database-service}, {@code df} of the data directory inside it), or on
 * this host when the server runs here (its {@code pg_control} names the same system identifier).
 * Elsewhere the answer says it could not check.
 */
@Component
public class DatabaseSpace {

    private final BackupProperties properties;
    private final PostgresClient postgres;
    private final ComposeServices compose;

    public DatabaseSpace(BackupProperties properties, PostgresClient postgres, ComposeServices compose) {
        this.properties = properties;
        this.postgres = postgres;
        this.compose = compose;
    }

    /**
     * What a restore beside the live database needs there: about the larger of the live database
     * and the dump, with a tenth more for the write-ahead log and the indexes being built.
     */
    public Room measure(long dumpBytes) {
        String live = properties.database().name();
        long liveBytes;
        String path;
        String dataDirectory;
        long systemId;
        try (Connection c = postgres.connect("postgres"); PreparedStatement ps = c.prepareStatement("""
                select pg_database_size(d.oid), nullif(pg_tablespace_location(d.dattablespace), ''), current_setting('data_directory'),
                       (select system_identifier from pg_control_system())
                  from pg_database d where d.datname = ?""")) {
            ps.setString(1, live);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Room.unknown(0, dumpBytes, "database " + live + " does not exist");
                }
                liveBytes = rs.getLong(1);
                dataDirectory = rs.getString(3);
                path = rs.getString(2) == null ? dataDirectory : rs.getString(2);
                systemId = rs.getLong(4);
            }
        } catch (SQLException | RuntimeException e) {
            return Room.unknown(0, dumpBytes, "the server does not say where its data are (" + e.getMessage().lines().findFirst().orElse("")
                    + "); role " + properties.database().user() + " needs pg_read_all_settings");
        }
        String service = properties.compose().databaseService();
        Optional<Long> inContainer = availableInContainer(service, path);
        if (inContainer.isPresent()) {
            return Room.known(inContainer.get(), liveBytes, dumpBytes, path + " in the container of compose service " + service);
        }
        Optional<Long> here = availableHere(path, dataDirectory, systemId);
        if (here.isPresent()) {
            return Room.known(here.get(), liveBytes, dumpBytes, path + " on this host");
        }
        return Room.unknown(liveBytes, dumpBytes, "the server's volume (" + path + ") is neither in compose service " + service
                + " of project " + properties.compose().project() + " nor on this host");
    }

    private Optional<Long> availableInContainer(String service, String path) {
        try {
            return compose.execIn(service, List.of("df", "-Pk", path)).flatMap(DatabaseSpace::dfAvailable);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The "Available" column of {@code df -Pk}, in bytes. */
    static Optional<Long> dfAvailable(String out) {
        List<String> lines = out.strip().lines().toList();
        if (lines.size() < 2) {
            return Optional.empty();
        }
        String[] cols = lines.get(lines.size() - 1).trim().split("\\s+");
        try {
            return cols.length >= 4 ? Optional.of(Long.parseLong(cols[3]) * 1024) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Free space under {@code path} when the server runs on this host: its data directory's pg_control names the same system. */
    private Optional<Long> availableHere(String path, String dataDirectory, long systemId) {
        if (!local(properties.database().host())) {
            return Optional.empty();
        }
        try {
            Path dir = Path.of(path);
            Path control = Path.of(dataDirectory, "global", "pg_control");
            if (!Files.isRegularFile(control)) {
                return Optional.empty();
            }
            byte[] head = new byte[8];
            try (InputStream in = Files.newInputStream(control)) {
                if (in.readNBytes(head, 0, 8) != 8) {
                    return Optional.empty();
                }
            }
            // ControlFileData starts with the 64-bit system identifier, in the server's byte order (this host's)
            long id = ByteBuffer.wrap(head).order(ByteOrder.nativeOrder()).getLong();
            return id == systemId ? Optional.of(Files.getFileStore(dir).getUsableSpace()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean local(String host) {
        if (host == null || host.isBlank() || host.startsWith("/")) {
            return true;
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Free space where the copy goes and what it needs; {@code where} null when it could not be seen, with {@code why}. */
    public record Room(Long freeBytes, long liveBytes, long dumpBytes, long neededBytes, String where, String why) {

        static Room known(long free, long liveBytes, long dumpBytes, String where) {
            return new Room(free, liveBytes, dumpBytes, needed(liveBytes, dumpBytes), where, null);
        }

        static Room unknown(long liveBytes, long dumpBytes, String why) {
            return new Room(null, liveBytes, dumpBytes, needed(liveBytes, dumpBytes), null, why);
        }

        static long needed(long liveBytes, long dumpBytes) {
            return Math.max(liveBytes, dumpBytes) / 10 * 11;
        }

        public boolean known() {
            return freeBytes != null;
        }
    }
}
