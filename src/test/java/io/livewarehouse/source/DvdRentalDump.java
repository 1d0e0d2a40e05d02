package io.livewarehouse.source;

import io.livewarehouse.demo.EmbeddedSource;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Restores the real DVD Rental dump ({@code ../shared/datasets/dvdrental/dvdrental.tar}, a pg_dump tar) into a
 * database without pg_restore: the tar holds {@code restore.sql}, a plain script whose COPY statements read
 * the numbered data files beside it; those are streamed through COPY FROM STDIN instead.
 */
public final class DvdRentalDump {

    private static final Pattern COPY_FROM_FILE =
            Pattern.compile("^COPY (\\S+) \\((.*)\\) FROM '\\$\\$PATH\\$\\$/(\\d+\\.dat)';$");

    private DvdRentalDump() {
    }

    /** The dump, looked up from {@code -Ddatasets.dir} or {@code ../shared/datasets}; null when absent. */
    public static Path locate() {
        Path datasets = Path.of(System.getProperty("datasets.dir", "../shared/datasets"));
        Path dump = datasets.resolve("dvdrental/dvdrental.tar");
        return Files.isRegularFile(dump) ? dump : null;
    }

    /** Creates {@code database} on the embedded {@code source} and restores the dump into it. */
    public static void restoreInto(EmbeddedSource source, String database, Path dump) throws IOException, SQLException {
        try (Connection admin = source.connect("postgres"); java.sql.Statement statement = admin.createStatement()) {
            statement.execute("create database " + database);
        }
        try (Connection connection = source.connect(database)) {
            restore(dump, connection);
        }
    }

    /** Runs the dump's schema and data into the (empty) database of {@code connection}. */
    public static void restore(Path dump, Connection connection) throws IOException, SQLException {
        Map<String, byte[]> entries = readTar(dump);
        String script = new String(entries.get("restore.sql"), StandardCharsets.UTF_8);
        StringBuilder pending = new StringBuilder();
        boolean skippingInlineCopy = false;
        for (String line : script.split("\n", -1)) {
            if (skippingInlineCopy) {
                skippingInlineCopy = !line.equals("\\.");
                continue;
            }
            if (line.startsWith("COPY ") && line.endsWith("FROM stdin;")) {
                skippingInlineCopy = true;
                continue;
            }
            // The database itself is ours: skip creating, altering and connecting to it.
            if (line.startsWith("DROP DATABASE") || line.startsWith("CREATE DATABASE")
                    || line.startsWith("ALTER DATABASE") || line.startsWith("\\connect")) {
                continue;
            }
            Matcher copy = COPY_FROM_FILE.matcher(line);
            if (copy.matches()) {
                execute(connection, pending);
                String sql = "COPY " + copy.group(1) + " (" + copy.group(2) + ") FROM STDIN";
                byte[] data = withoutEndMarker(entries.get(copy.group(3)));
                connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new ByteArrayInputStream(data));
                continue;
            }
            pending.append(line).append('\n');
        }
        execute(connection, pending);
    }

    private static void execute(Connection connection, StringBuilder script) throws SQLException {
        if (script.toString().isBlank()) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(script.toString());
        }
        script.setLength(0);
    }

    /** pg_dump ends each data file with the old "\." end-of-data line, which COPY FROM STDIN does not need. */
    private static byte[] withoutEndMarker(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        int marker = text.lastIndexOf("\\.\n");
        return (marker >= 0 ? text.substring(0, marker) : text).getBytes(StandardCharsets.UTF_8);
    }

    /** A minimal ustar reader: 512-byte headers, octal sizes, data padded to 512 bytes. */
    static Map<String, byte[]> readTar(Path tar) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = field(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                byte[] content = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                entries.put(name, content);
            }
        }
        return entries;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
