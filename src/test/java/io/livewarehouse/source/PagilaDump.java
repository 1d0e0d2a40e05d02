package io.livewarehouse.source;

import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Restores Pagila ({@code ../shared/datasets/pagila}: {@code pagila-schema.sql} and {@code pagila-data.sql},
 * plain pg_dump scripts) without psql: the scripts run as statements, their {@code COPY ... FROM stdin} blocks
 * through the driver's COPY. Pagila is DVD Rental's PostgreSQL port with other types (text, timestamptz) and
 * {@code payment} partitioned by month.
 */
public final class PagilaDump {

    private PagilaDump() {
    }

    /** The Pagila folder, from {@code -Ddatasets.dir} or {@code ../shared/datasets}; null when absent. */
    public static Path locate() {
        Path pagila = Path.of(System.getProperty("datasets.dir", "../shared/datasets")).resolve("pagila");
        return Files.isRegularFile(pagila.resolve("pagila-schema.sql")) && Files.isRegularFile(pagila.resolve("pagila-data.sql"))
                ? pagila : null;
    }

    /** Runs Pagila's schema and data into the (empty) database of {@code connection}. */
    public static void restore(Path pagila, Connection connection) throws IOException, SQLException {
        run(Files.readString(pagila.resolve("pagila-schema.sql"), StandardCharsets.UTF_8), connection);
        run(Files.readString(pagila.resolve("pagila-data.sql"), StandardCharsets.UTF_8), connection);
        try (Statement statement = connection.createStatement()) {
            // The dump empties search_path for its own session.
            statement.execute("set search_path to \"$user\", public");
        }
    }

    private static void run(String script, Connection connection) throws SQLException, IOException {
        StringBuilder pending = new StringBuilder();
        StringBuilder data = null;
        String copy = null;
        for (String line : script.split("\n", -1)) {
            if (data != null) {
                if (line.equals("\\.")) {
                    connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy,
                            new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
                    data = null;
                } else {
                    data.append(line).append('\n');
                }
                continue;
            }
            if (line.startsWith("COPY ") && line.endsWith("FROM stdin;")) {
                execute(connection, pending);
                copy = line.substring(0, line.length() - 1);
                data = new StringBuilder();
                continue;
            }
            pending.append(line).append('\n');
        }
        execute(connection, pending);
    }

    private static void execute(Connection connection, StringBuilder script) throws SQLException {
        if (!script.toString().isBlank()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(script.toString());
            }
        }
        script.setLength(0);
    }
}
