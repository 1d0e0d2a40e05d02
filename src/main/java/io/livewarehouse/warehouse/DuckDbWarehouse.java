package io.livewarehouse.warehouse;

import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Properties;
import java.sql.SQLException;

/**
 * The embedded DuckDB warehouse: one database instance per process, opened on first use and shared.
 *
 * <p>A DuckDB file is locked by the process that opens it, and every extra {@code DriverManager} connection
 * would open the instance again; so the pipeline keeps one root connection and hands out
 * {@link DuckDBConnection#duplicate() duplicates}, which share the instance and its caches.
 */
final class DuckDbWarehouse implements Warehouse {

    private final Path file;
    private final WarehouseDialect dialect = new DuckDbDialect();
    private final String memoryLimit;
    private DuckDBConnection root;

    DuckDbWarehouse(Path file, String memoryLimit) {
        this.file = file.toAbsolutePath();
        this.memoryLimit = memoryLimit;
    }

    @Override
    public String describe() {
        return "DuckDB " + file;
    }

    @Override
    public WarehouseDialect dialect() {
        return dialect;
    }

    @Override
    public synchronized Connection connect() throws SQLException {
        if (root == null || root.isClosed()) {
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the folder of the DuckDB warehouse " + file, e);
            }
            // The driver itself, not DriverManager: see PostgresJdbc for why.
            // DuckDB's buffer pool takes up to 80% of the machine's memory by default; the pipeline shares its
            // process with a JVM, so its share is set (larger work spills to a temporary folder beside the file).
            Properties properties = new Properties();
            properties.setProperty("memory_limit", memoryLimit);
            root = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, properties);
            // Source timestamps without a time zone are compared with TIMESTAMPTZ validity ranges in the
            // marts; UTC makes that comparison the same on every machine.
            try (java.sql.Statement statement = root.createStatement()) {
                statement.execute("set global TimeZone = 'UTC'");
            }
        }
        return root.duplicate();
    }

    @Override
    public synchronized void close() throws SQLException {
        if (root != null) {
            root.close();
            root = null;
        }
    }
}
