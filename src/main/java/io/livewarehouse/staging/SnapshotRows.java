package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The statements that stage one table's snapshot copy inside the snapshot's transaction: its rows (through
 * {@link SnapshotFileLoad}: DuckDB reads the CSV file, Snowflake copies it from its stage), deletes for the
 * keys the new snapshot no longer has, the sync log's row, and the count of values kept as text.
 */
final class SnapshotRows {

    private static final Logger LOG = Logger.getLogger(SnapshotRows.class);

    private final WarehouseDialect dialect;
    private final SnapshotFileLoad fileLoad;

    SnapshotRows(WarehouseDialect dialect, SnapshotFileLoad fileLoad) {
        this.dialect = dialect;
        this.fileLoad = fileLoad;
    }

    /** Loads one table's CSV copy into its staging table as snapshot rows at {@code lsn}, loaded at {@code loadedAt}. */
    void insert(Connection connection, SnapshotCopy copy, String qualified, long lsn, long transactionId,
                OffsetDateTime sourceTime, OffsetDateTime loadedAt, String hashSalt) throws SQLException {
        List<StagingColumn> all = new ArrayList<>(copy.columns());
        all.addAll(CdcColumns.ALL);
        List<String> expressions = new ArrayList<>();
        int salts = 0;
        for (int i = 0; i < copy.columns().size(); i++) {
            StagingColumn column = copy.columns().get(i);
            if (copy.hashedColumns().contains(column.name())) {
                // The salt is bound (one ? per hashed column, before the CDC values).
                expressions.add(dialect.saltedHash("c" + i));
                salts++;
            } else {
                expressions.add(dialect.fromText(column.type(), "c" + i));
            }
        }
        // The copy's last column is the row's _cdc_invalid object (values staging cannot hold).
        expressions.addAll(List.of("'r'", "?", "0", "?", "?", "?", "false", "null",
                dialect.fromText(ColumnType.of(ColumnType.Kind.JSON), "c_invalid")));
        // DuckDB reads records up to 2 MB by default, in buffers of 16 times that.
        String readerOptions = copy.longestRecord() < 2_000_000 ? ""
                : ", max_line_size = " + (copy.longestRecord() + 1024) + ", buffer_size = "
                + Math.max(32_000_000L, 2 * (copy.longestRecord() + 1024));
        int hashed = salts;
        fileLoad.insert(connection, copy, qualified,
                all.stream().map(column -> dialect.quote(column.name())).collect(Collectors.joining(", ")),
                expressions, readerOptions, insert -> {
                    for (int salt = 1; salt <= hashed; salt++) {
                        insert.setString(salt, hashSalt);
                    }
                    insert.setLong(hashed + 1, lsn);
                    insert.setLong(hashed + 2, transactionId);
                    dialect.bind(insert, hashed + 3, sourceTime);
                    dialect.bind(insert, hashed + 4, loadedAt);
                });
    }

    /**
     * Stages a delete for every key of {@code table} whose newest row is older than {@code generation} (the load
     * time of its new snapshot rows) and not a delete: the new snapshot did not see it. Returns how many.
     */
    long stageVanishedKeys(Connection connection, String table, String qualified, List<String> keyColumns,
                           long lsn, long transactionId, OffsetDateTime sourceTime, OffsetDateTime generation)
            throws SQLException {
        List<String> columns = StagingCatalog.columns(connection, dialect, dialect.stagingSchema(), table).keySet()
                .stream().filter(column -> !column.startsWith("_cdc_")).toList();
        String sql = dialect.statement("insert-vanished-keys", Map.of(
                "table", qualified,
                "source_columns", columns.stream().map(dialect::quote).collect(Collectors.joining(", ")),
                "partition_key", keyColumns.stream().map(dialect::quote).collect(Collectors.joining(", "))));
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setLong(1, lsn);
            insert.setLong(2, transactionId);
            dialect.bind(insert, 3, sourceTime);
            dialect.bind(insert, 4, generation);
            dialect.bind(insert, 5, generation);
            long vanished = insert.executeUpdate();
            if (vanished > 0) {
                LOG.infof("New snapshot of %s: %d keys staging held are gone at the source, staged as deletes", table, vanished);
            }
            return vanished;
        }
    }

    /** Releases the changes held for the table (see {@link HeldTables}): they get load time {@code at}. */
    long releaseHeld(Connection connection, String qualified, OffsetDateTime at) throws SQLException {
        try (PreparedStatement release = connection.prepareStatement(
                dialect.statement("release-held-changes", Map.of("table", qualified)))) {
            dialect.bind(release, 1, at);
            return release.executeUpdate();
        }
    }

    /** Ends the table's wait in {@code _pipeline.resyncs}; returns whether it was waiting. */
    boolean endWait(Connection connection, String qualifiedSource) throws SQLException {
        try (PreparedStatement done = connection.prepareStatement(dialect.statement("delete-resync"))) {
            done.setString(1, qualifiedSource);
            return done.executeUpdate() == 1;
        }
    }

    /** One row of the sync log, in the transaction that staged the snapshot. */
    void recordSync(Connection connection, String table, String reason, OffsetDateTime started, long rows,
                    long vanished, long lsn) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-table-sync"))) {
            insert.setString(1, table);
            insert.setString(2, reason);
            dialect.bind(insert, 3, started);
            dialect.bind(insert, 4, OffsetDateTime.now(ZoneOffset.UTC));
            insert.setLong(5, rows);
            insert.setLong(6, vanished);
            insert.setLong(7, lsn);
            insert.executeUpdate();
        }
    }

    /** Per column, the rows of this snapshot load staged with their value in _cdc_invalid. */
    Map<String, Long> invalidValues(Connection connection, String qualified, OffsetDateTime loadedAt)
            throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (PreparedStatement count = connection.prepareStatement(
                dialect.statement("count-invalid-values", Map.of("table", qualified)))) {
            dialect.bind(count, 1, loadedAt);
            try (ResultSet rows = count.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return counts;
    }
}
