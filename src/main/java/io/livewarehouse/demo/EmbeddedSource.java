package io.livewarehouse.demo;

import io.livewarehouse.source.PostgresJdbc;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.demo.DvdRentalGenerator;
import io.livewarehouse.support.ClasspathText;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;

/**
 * A real PostgreSQL 17 (zonky's embedded binaries) holding the DVD Rental database, for dev mode and tests.
 *
 * <p>This is the only class that touches zonky: zonky is a {@code provided} dependency, on the dev and test
 * class paths but never packaged, so production code must not load this class. It is reached only through
 * {@link EmbeddedSourceConfigFactory}, which never calls it in the prod profile.
 */
public final class EmbeddedSource {

    private static final Logger LOG = Logger.getLogger(EmbeddedSource.class);

    public static final String DATABASE = "dvdrental";
    public static final String USER = "postgres";

    private static final String SCHEMA_RESOURCE = "source/dvdrental-schema.sql";

    private final EmbeddedPostgres postgres;

    private EmbeddedSource(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on {@code dataDirectory} (reusing the cluster already there, so dev-mode restarts keep
     * the source, its replication slot and the pipeline's offsets consistent) and makes sure the
     * {@code dvdrental} database exists and holds generated data at {@code scale}.
     */
    public static EmbeddedSource start(Path dataDirectory, int port, int scale, long seed) throws IOException, SQLException {
        EmbeddedSource source = startEmpty(dataDirectory, port);
        source.createDatabaseIfMissing(scale, seed);
        return source;
    }

    /** Starts PostgreSQL on {@code dataDirectory} with no database of ours: for tests that bring their own. */
    public static EmbeddedSource startEmpty(Path dataDirectory, int port) throws IOException {
        Files.createDirectories(dataDirectory);
        stopOrphanedServer(dataDirectory);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                // Logical decoding for Debezium's pgoutput plugin. Room for many slots: the test suite gives each
                // of its profiles a capture (and slot) of its own on one embedded source (12 and growing), and a
                // benchmark takes a second slot. An unused slot costs nothing but the WAL it keeps.
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "32")
                .setServerConfig("max_wal_senders", "32")
                .setServerConfig("timezone", "UTC")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        return new EmbeddedSource(postgres);
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return PostgresJdbc.connect(jdbcUrl(database), USER, "");
    }

    /** Creates an empty database with the DVD Rental schema and no rows; tests use it to load data of their own. */
    public void createSchemaOnlyDatabase(String database) throws SQLException, IOException {
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + SourceConnections.quote(database) + " with (force)");
            statement.execute("create database " + SourceConnections.quote(database));
        }
        try (Connection connection = connect(database)) {
            installSchema(connection);
        }
    }

    public void close() throws IOException {
        postgres.close();
    }

    private void createDatabaseIfMissing(int scale, long seed) throws SQLException, IOException {
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            ResultSet existing = statement.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'");
            if (existing.next()) {
                LOG.infof("Embedded source: reusing database %s on port %d", DATABASE, port());
                return;
            }
        }
        long started = System.nanoTime();
        // Build under a temporary name and rename at the end, so that a start interrupted half-way never
        // leaves a half-loaded dvdrental that a later start would take for complete.
        String building = DATABASE + "_loading";
        createSchemaOnlyDatabase(building);
        try (Connection connection = connect(building)) {
            // The history ends now, in the database's own clock (the traffic simulator's localtimestamp), so the
            // dashboard tells a current story that the simulated traffic continues.
            LocalDateTime now;
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("select localtimestamp(0)")) {
                row.next();
                now = row.getTimestamp(1).toLocalDateTime();
            }
            new DvdRentalGenerator(scale, seed, now).load(connection);
        }
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("alter database " + SourceConnections.quote(building) + " rename to " + SourceConnections.quote(DATABASE));
        }
        LOG.infof("Embedded source: created database %s at scale %d (seed %d) on port %d in %d ms",
                DATABASE, scale, seed, port(), (System.nanoTime() - started) / 1_000_000);
    }

    public static void installSchema(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(ClasspathText.read(SCHEMA_RESOURCE));
        }
    }

    /**
     * A JVM killed with SIGKILL leaves its postmaster running on the data directory (zonky stops it only from
     * a shutdown hook), and a new start on the same directory would then fail. Stop such a leftover first.
     */
    private static void stopOrphanedServer(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return;
        }
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(process -> {
            boolean isPostgres = process.info().command().map(command -> command.endsWith("postgres")).orElse(false);
            if (!isPostgres) {
                return;
            }
            LOG.warnf("Embedded source: stopping a PostgreSQL (pid %d) left running on %s by an earlier run", pid, dataDirectory);
            process.destroy();
            process.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        });
    }
}
