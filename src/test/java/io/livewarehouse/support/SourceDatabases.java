package io.livewarehouse.support;

import io.livewarehouse.source.DvdRentalDump;
import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.source.PostgresJdbc;
import io.livewarehouse.config.SourceSettings;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Extra databases on the source PostgreSQL the tests run against: the real dump, scratch copies. */
public final class SourceDatabases {

    public static final String REFERENCE = "dvdrental_reference";

    public static final List<String> TABLES = List.of("actor", "address", "category", "city", "country",
            "customer", "film", "film_actor", "film_category", "inventory", "language", "payment", "rental",
            "staff", "store");

    private final SourceSettings source;

    public SourceDatabases(SourceSettings source) {
        this.source = source;
    }

    public Connection connect(String database) throws SQLException {
        return PostgresJdbc.connect("jdbc:postgresql://" + source.host() + ":" + source.port() + "/" + database,
                source.user(), source.password().orElse(""));
    }

    /**
     * The real DVD Rental database restored from {@code dvdrental.tar}, once per source cluster. Tests that
     * compare with it are skipped, with a reason, where the shared data sets are not beside the project.
     */
    public synchronized Connection reference() throws SQLException, IOException {
        Path dump = DvdRentalDump.locate();
        Assumptions.assumeTrue(dump != null,
                "dvdrental.tar not found: set -Ddatasets.dir to the folder holding dvdrental/dvdrental.tar");
        if (!exists(REFERENCE)) {
            recreate(REFERENCE + "_loading");
            try (Connection connection = connect(REFERENCE + "_loading")) {
                DvdRentalDump.restore(dump, connection);
            }
            try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("alter database " + REFERENCE + "_loading rename to " + REFERENCE);
            }
        }
        return connect(REFERENCE);
    }

    /** A new, empty database with our DVD Rental schema. */
    public Connection schemaOnly(String database) throws SQLException, IOException {
        recreate(database);
        Connection connection = connect(database);
        EmbeddedSource.installSchema(connection);
        return connection;
    }

    public Map<String, Long> rowCounts(Connection connection) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet row = statement.executeQuery("select count(*) from public." + table)) {
                    row.next();
                    counts.put(table, row.getLong(1));
                }
            }
        }
        return counts;
    }

    /** An order-independent fingerprint of every row of every table. */
    public Map<String, String> checksums(Connection connection) throws SQLException {
        return checksums(connection, "t::text");
    }

    /**
     * The checksums of every table's rows without their last_update: what a test's no-op update (which the
     * source's last_updated trigger stamps) leaves as it was.
     */
    public Map<String, String> checksumsWithoutLastUpdate(Connection connection) throws SQLException {
        return checksums(connection, "(to_jsonb(t) - 'last_update')::text");
    }

    private Map<String, String> checksums(Connection connection, String rowText) throws SQLException {
        Map<String, String> checksums = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet row = statement.executeQuery("select md5(string_agg(" + rowText + ", '|' order by "
                        + rowText + ")) from public." + table + " t")) {
                    row.next();
                    checksums.put(table, row.getString(1));
                }
            }
        }
        return checksums;
    }

    public static List<List<Object>> rows(Connection connection, String query) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(query)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(result.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Runs the statements in one source transaction of their own; returns its id, for awaiting it in staging. */
    public static long inTransaction(Connection connection, String... statements) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
            long transaction = ((Number) single(connection, "select txid_current()")).longValue();
            connection.commit();
            return transaction;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    public static Object single(Connection connection, String query) throws SQLException {
        return rows(connection, query).get(0).get(0);
    }

    private boolean exists(String database) throws SQLException {
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement();
             ResultSet row = statement.executeQuery("select 1 from pg_database where datname = '" + database + "'")) {
            return row.next();
        }
    }

    private void recreate(String database) throws SQLException {
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + database + " with (force)");
            statement.execute("create database " + database);
        }
    }
}
