package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How a table's snapshot file (a CSV copy from the source, see {@link SnapshotCopy}) gets into its staging
 * table, inside the transaction that stages it with the snapshot's offsets.
 *
 * <p>DuckDB reads the file where it lies ({@code insert-snapshot-csv}). Snowflake cannot: the file is first
 * uploaded by PUT to the stage of a load table (a transient table of text columns, created for it), both
 * before the transaction, since PUT is a file operation and CREATE is DDL, which would commit the open
 * transaction. In the transaction, {@code COPY INTO} (DML) fills the load table from the stage, one
 * {@code INSERT ... SELECT} turns its text into the staging types and hashes the sensitive columns (as
 * DuckDB's read does, with the same expressions), and the load table is emptied; after the commit it is
 * dropped, with its stage. A crash anywhere before the commit leaves no staged row: the next attempt
 * creates the load table anew (an empty stage) and uploads again.
 */
final class SnapshotFileLoad {

    private static final Logger LOG = Logger.getLogger(SnapshotFileLoad.class);

    private final Warehouse warehouse;

    SnapshotFileLoad(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** Whether files are uploaded before the staging transaction ({@link #upload}), rather than read in it. */
    boolean uploadsFirst() {
        return warehouse.dialect().uploadsSnapshotFiles();
    }

    /**
     * Before the transaction, on a connection in autocommit: a new load table for {@code copy} and its file
     * PUT to the load table's stage, gzipped by the driver; the local file is removed once uploaded.
     */
    void upload(SnapshotCopy copy) throws SQLException {
        try (Connection connection = warehouse.connect()) {
            upload(connection, copy);
        }
    }

    /** {@link #upload(SnapshotCopy)} on a connection of the caller's, in autocommit. */
    void upload(Connection connection, SnapshotCopy copy) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < copy.columns().size(); i++) {
            columns.add(dialect.quote("c" + i) + " " + dialect.typeOf(ColumnType.of(ColumnType.Kind.TEXT)));
        }
        columns.add(dialect.quote("c_invalid") + " " + dialect.typeOf(ColumnType.of(ColumnType.Kind.TEXT)));
        long started = System.nanoTime();
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.statement("create-snapshot-load", Map.of(
                    "load", loadTable(copy), "load_columns", String.join(", ", columns))));
            statement.execute(dialect.statement("put-snapshot-file", Map.of(
                    "file_url", "file://" + copy.file().toAbsolutePath(), "stage", stage(copy))));
        }
        long bytes = fileSize(copy);
        try {
            Files.deleteIfExists(copy.file());
        } catch (IOException e) {
            LOG.warnf("Could not remove the snapshot file %s: %s", copy.file(), e.getMessage());
        }
        LOG.infof("Snapshot by COPY: uploaded %s.%s (%d rows, %d bytes before compression) to %s in %d ms",
                copy.schema(), copy.table(), copy.rows(), bytes, stage(copy), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * In the staging transaction: the copy's rows into {@code qualified} as {@code expressions} of the text
     * columns {@code c0, c1, ..., c_invalid} (with {@code binds} for their ?), checked against the rows copied.
     */
    void insert(Connection connection, SnapshotCopy copy, String qualified, String columns, List<String> expressions,
                String readerOptions, Binder binds) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        long inserted;
        if (uploadsFirst()) {
            String load = loadTable(copy);
            try (Statement statement = connection.createStatement()) {
                long loaded = statement.executeLargeUpdate(dialect.statement("copy-snapshot-file", Map.of(
                        "load", load, "stage", stage(copy), "files", "'" + stagedFileName(copy).replace("'", "''") + "'")));
                if (loaded != copy.rows()) {
                    throw new SQLException("snapshot copy of " + copy.schema() + "." + copy.table() + ": " + copy.rows()
                            + " rows copied from the source, " + loaded + " loaded from " + stage(copy));
                }
            }
            try (PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-snapshot-load", Map.of(
                    "table", qualified, "staging_columns", columns, "expressions", String.join(", ", expressions), "load", load)))) {
                binds.bind(insert);
                inserted = insert.executeLargeUpdate();
            }
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate(dialect.statement("delete-snapshot-load", Map.of("load", load)));
            }
        } else {
            List<String> csvColumns = new ArrayList<>();
            for (int i = 0; i < copy.columns().size(); i++) {
                csvColumns.add("c" + i);
            }
            csvColumns.add("c_invalid");
            String sql = dialect.statement("insert-snapshot-csv", Map.of(
                    "table", qualified,
                    "columns", columns,
                    "expressions", String.join(", ", expressions),
                    "file", "'" + copy.file().toAbsolutePath().toString().replace("'", "''") + "'",
                    "reader_options", readerOptions,
                    "csv_columns", csvColumns.stream().map(name -> "'" + name + "': 'VARCHAR'")
                            .collect(Collectors.joining(", "))));
            try (PreparedStatement insert = connection.prepareStatement(sql)) {
                binds.bind(insert);
                inserted = insert.executeLargeUpdate();
            }
        }
        if (inserted != copy.rows()) {
            throw new SQLException("snapshot copy of " + copy.schema() + "." + copy.table() + ": "
                    + copy.rows() + " rows copied from the source, " + inserted + " staged");
        }
    }

    /** After the transaction, whichever way it ended: the load tables go, and their stages with them. */
    void dropLoads(List<SnapshotCopy> copies) {
        if (!uploadsFirst() || copies.isEmpty()) {
            return;
        }
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            for (SnapshotCopy copy : copies) {
                statement.execute(warehouse.dialect().statement("drop-snapshot-load", Map.of("load", loadTable(copy))));
            }
        } catch (SQLException e) {
            // Harmless: the next load of the table replaces it.
            LOG.warnf("Could not drop the snapshot load tables: %s", e.getMessage());
        }
    }

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private String loadTable(SnapshotCopy copy) {
        WarehouseDialect dialect = warehouse.dialect();
        return dialect.quote(dialect.pipelineSchema()) + "." + dialect.quote("snapshot_" + copy.table());
    }

    /** The load table's own stage ({@code @schema.%table}), which needs no DDL of its own. */
    private String stage(SnapshotCopy copy) {
        WarehouseDialect dialect = warehouse.dialect();
        return "@" + dialect.quote(dialect.pipelineSchema()) + ".%" + dialect.quote("snapshot_" + copy.table());
    }

    /** The name PUT gives the file on the stage: its own, with .gz for the driver's compression. */
    private static String stagedFileName(SnapshotCopy copy) {
        return copy.file().getFileName() + ".gz";
    }

    private static long fileSize(SnapshotCopy copy) {
        try {
            return Files.size(copy.file());
        } catch (IOException e) {
            return -1;
        }
    }
}
