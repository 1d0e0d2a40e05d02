package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.staging.SnapshotCopy;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.ReplicationSlotInfo;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The initial snapshot by {@code COPY} instead of Debezium's row-by-row read (pipeline.cdc.snapshot-method=copy).
 *
 * <p>Why: Debezium turns every snapshot row into a change event that goes through its queue, Camel and the
 * converter; the benchmark measured that at a few percent of what {@code COPY} into the warehouse does. The
 * fastest CDC tools snapshot by COPY from the snapshot a new replication slot exports, which is exactly the
 * state the slot's stream starts after. So: create the publication and the slot (exporting its snapshot),
 * COPY every captured table inside that snapshot to CSV, one table at a time, and load them into STAGING in
 * one warehouse transaction together with an offset at the slot's consistent point, and let Debezium stream from there
 * (it finds offsets without a snapshot in progress and takes no snapshot of its own).
 *
 * <p>A crash before that transaction commits leaves no offsets: the next start drops the slot (see
 * {@link UnfinishedSnapshotGuard}) and copies again. Values take the same staging types and forms as
 * Debezium's events would give them; a streamed change of any table after the copy fits its staging table
 * without widening or dead letters ({@code CopySnapshotTest}).
 */
@ApplicationScoped
@io.quarkus.arc.Unremovable // reached only through Arc, from the offset store Debezium instantiates
public class CopySnapshot {

    private static final Logger LOG = Logger.getLogger(CopySnapshot.class);

    private final SourceConnections source;
    private final CapturedTables capturedTables;
    private final SourceSettings settings;
    private final StagingWriter writer;
    private final SnapshotProgress progress;
    private final io.livewarehouse.source.ReplicationSlot replicationSlot;
    private final String method;
    private final String cdcName;
    private final String slotName;
    private final boolean failoverSlot;

    public CopySnapshot(SourceConnections source, StagingWriter writer, SnapshotProgress progress,
                        CapturedTables capturedTables,
                        io.livewarehouse.source.ReplicationSlot replicationSlot,
                        PipelineSettings pipeline) {
        String method = pipeline.cdc().snapshotMethod();
        String cdcName = pipeline.cdc().name();
        String slotName = pipeline.cdc().slotName();
        this.failoverSlot = pipeline.cdc().failoverSlot();
        this.source = source;
        this.capturedTables = capturedTables;
        this.settings = source.settings();
        this.writer = writer;
        this.progress = progress;
        this.replicationSlot = replicationSlot;
        this.method = method;
        this.cdcName = cdcName;
        this.slotName = slotName;
        if (!"auto".equals(method) && !"copy".equals(method) && !"debezium".equals(method)) {
            throw new IllegalArgumentException("pipeline.cdc.snapshot-method must be auto, copy or debezium, not '" + method + "'");
        }
    }

    /**
     * Copies the snapshot when the configuration asks for it and nothing is staged yet (no offsets stored;
     * an unfinished attempt's slot has been dropped by then). Runs on the engine thread before Debezium reads
     * its offsets. Returns what was staged, nothing when no copy was needed.
     */
    List<SnapshotCopy> runIfNeeded(Map<String, String> storedOffsets, String snapshotMode) throws SQLException, IOException {
        // auto: the copy where the warehouse loads snapshot files (DuckDB), Debezium's own snapshot elsewhere.
        boolean copying = "copy".equals(method) || ("auto".equals(method) && writer.dialect().loadsSnapshotFiles());
        if (!copying || !storedOffsets.isEmpty() || !UnfinishedSnapshotGuard.takesSnapshot(snapshotMode)) {
            return List.of();
        }
        return copyAll("initial snapshot");
    }

    /** Whether snapshots are taken by COPY (the configured method, on this warehouse). */
    boolean copies() {
        return "copy".equals(method) || ("auto".equals(method) && writer.dialect().loadsSnapshotFiles());
    }

    /**
     * Copies a new snapshot of every captured table from a new replication slot (none may exist under the
     * slot's name), whatever staging holds: a new snapshot generation, whose offsets replace the stored ones.
     */
    List<SnapshotCopy> resync(String reason) throws SQLException, IOException {
        return copyAll(reason);
    }

    private List<SnapshotCopy> copyAll(String reason) throws SQLException, IOException {
        if (!writer.dialect().loadsSnapshotFiles()) {
            throw new IllegalStateException("pipeline.cdc.snapshot-method=copy loads CSV files into the warehouse, which "
                    + "the " + writer.dialect().name() + " warehouse does not do yet; set pipeline.cdc.snapshot-method=auto or debezium");
        }
        long started = System.nanoTime();
        Path directory = Files.createTempDirectory("live-warehouse-snapshot");
        List<SnapshotCopy> copies;
        LogSequenceNumber consistentPoint;
        try (Connection replication = source.openReplication(); Connection connection = source.open()) {
            SlotCreated slot = createSlot(replication);
            LOG.infof("Snapshot by COPY: created replication slot %s%s at %s; copying %d tables in its snapshot",
                    slotName, failoverSlot ? " (failover)" : "", slot.consistentPoint(), settings.tables().size());
            consistentPoint = slot.consistentPoint();
            long transaction;
            OffsetDateTime at;
            try (Statement statement = connection.createStatement()) {
                beginSnapshotRead(connection, statement);
                statement.execute("set transaction snapshot '" + slot.snapshotName().replace("'", "''") + "'");
                try (ResultSet row = statement.executeQuery(
                        "select txid_snapshot_xmin(txid_current_snapshot()), now()")) {
                    row.next();
                    transaction = row.getLong(1);
                    at = row.getObject(2, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC);
                }
                Set<String> excluded = columnSet(settings.columnExcludeList().orElse(""));
                // The salt is not needed here: hashed columns are hashed by the warehouse as it loads them.
                SensitiveColumns hashed = new SensitiveColumns(settings.columnHashList().orElse(""), "");
                CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
                long lsn = slot.consistentPoint().asLong();
                java.util.Iterator<String> tables = settings.tables().iterator();
                copies = writer.writeSnapshotCopy(() -> tables.hasNext()
                                ? copyTable(connection, copy, tables.next(), excluded, hashed, directory) : null,
                        Map.of(offsetKey(), offset(lsn, transaction, at)), lsn, transaction, at,
                        settings.hashSalt().orElse(""), reason);
                connection.commit();
            }
        } finally {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(directory);
        }
        awaitSlotReleased();
        long rows = copies.stream().mapToLong(SnapshotCopy::rows).sum();
        copies.forEach(copied -> progress.tableCopied(copied.schema(), copied.table(), copied.rows()));
        LOG.infof("Snapshot by COPY: %d rows of %d tables staged in %d ms; streaming starts at %s", rows,
                copies.size(), (System.nanoTime() - started) / 1_000_000, consistentPoint);
        return copies;
    }

    /**
     * One table copied on its own, in a snapshot taken at {@code lsn} (the source's WAL insert position then:
     * every transaction the snapshot sees has its commit record before it).
     */
    record TableCopy(SnapshotCopy copy, long lsn, long transaction, OffsetDateTime at) {
    }

    /**
     * Copies one captured table in a snapshot of its own, taken now (a new snapshot generation: a table added to
     * the capture or resynced while the stream goes on). Its changes must be held by then (see
     * {@link StagingWriter#hold}): the snapshot and the held changes together are then exact. The file is in
     * {@code directory}; the caller loads it.
     */
    TableCopy copyOne(String qualified, Path directory) throws SQLException, IOException {
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            beginSnapshotRead(connection, statement);
            long lsn;
            long transaction;
            OffsetDateTime at;
            // The first query takes the snapshot the copy reads.
            // The insert position, not the write position: with synchronous_commit off a transaction is visible
            // before its commit record is written out; every transaction this snapshot sees commits before it.
            try (ResultSet row = statement.executeQuery("select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint, "
                    + "txid_snapshot_xmin(txid_current_snapshot()), now()")) {
                row.next();
                lsn = row.getLong(1);
                transaction = row.getLong(2);
                at = row.getObject(3, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC);
            }
            Set<String> excluded = columnSet(settings.columnExcludeList().orElse(""));
            SensitiveColumns hashed = new SensitiveColumns(settings.columnHashList().orElse(""), "");
            SnapshotCopy copy = copyTable(connection, connection.unwrap(PGConnection.class).getCopyAPI(), qualified,
                    excluded, hashed, directory);
            connection.commit();
            return new TableCopy(copy, lsn, transaction, at);
        }
    }

    /**
     * Starts the read-only, repeatable-read transaction a copy reads in, in a session that prints values in
     * the forms the stream's values take (PostgresText): instants and zoned times in UTC, intervals in the
     * postgres style, floats in their shortest exact form. Its snapshot is taken by the first query (or set
     * by the caller before it).
     */
    private static void beginSnapshotRead(Connection connection, Statement statement) throws SQLException {
        statement.execute("set time zone 'UTC'");
        statement.execute("set intervalstyle = 'postgres'");
        statement.execute("set extra_float_digits = 3");
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        statement.execute("set transaction read only");
    }

    /** The slot made for a snapshot by COPY: where its stream starts, and the snapshot it exports. */
    private record SlotCreated(LogSequenceNumber consistentPoint, String snapshotName) {
    }

    /**
     * Creates the replication slot, exporting its snapshot. A failover slot (PostgreSQL 17,
     * {@code pipeline.cdc.failover-slot}) is created with the replication command itself, whose FAILOVER option
     * the JDBC driver's builder does not offer; identifiers are the configured slot name, quoted.
     */
    private SlotCreated createSlot(Connection replication) throws SQLException {
        if (!failoverSlot) {
            ReplicationSlotInfo slot = replication.unwrap(PGConnection.class).getReplicationAPI()
                    .createReplicationSlot().logical().withSlotName(slotName).withOutputPlugin("pgoutput").make();
            return new SlotCreated(slot.getConsistentPoint(), slot.getSnapshotName());
        }
        try (Statement statement = replication.createStatement();
             ResultSet created = statement.executeQuery("CREATE_REPLICATION_SLOT " + SourceConnections.quote(slotName)
                     + " LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER)")) {
            created.next();
            return new SlotCreated(LogSequenceNumber.valueOf(created.getString("consistent_point")),
                    created.getString("snapshot_name"));
        }
    }

    /**
     * The connection that created the slot is closed, but its walsender may hold the slot a moment longer:
     * wait until it lets go, so that Debezium can take the slot and readiness does not take that walsender
     * for the change stream.
     */
    private void awaitSlotReleased() throws SQLException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            replicationSlot.forget();
            io.livewarehouse.source.ReplicationSlot.State state = replicationSlot.read();
            if (!state.exists() || !state.active()) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the replication slot", e);
            }
        }
        replicationSlot.forget();
    }

    /** Debezium's offset key for this connector: the engine name and the source partition. */
    private String offsetKey() {
        return "[\"" + cdcName + "\",{\"server\":\"" + cdcName + "\"}]";
    }

    /**
     * An offset as Debezium writes it after its own snapshot: the slot's consistent point and no snapshot in
     * progress, so it streams from there.
     */
    private static String offset(long lsn, long transaction, OffsetDateTime at) {
        long micros = java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, at.toInstant());
        return "{\"lsn\":" + lsn + ",\"txId\":" + transaction + ",\"ts_usec\":" + micros + "}";
    }

    private SnapshotCopy copyTable(Connection connection, CopyManager copy, String qualified, Set<String> excluded,
                                   SensitiveColumns hashed, Path directory) throws SQLException, IOException {
        String[] parts = schemaAndTable(qualified);
        String schema = parts[0];
        String table = parts[1];
        List<StagingColumn> columns = new ArrayList<>();
        List<String> selects = new ArrayList<>();
        Set<String> hashedColumns = new HashSet<>();
        // Values staging cannot hold: per column, the condition and the source text, for _cdc_invalid.
        List<String> invalidConditions = new ArrayList<>();
        List<String> invalidEntries = new ArrayList<>();
        try (PreparedStatement describe = connection.prepareStatement(SourceColumnTypes.QUERY)) {
            describe.setString(1, schema);
            describe.setString(2, table);
            try (ResultSet row = describe.executeQuery()) {
                while (row.next()) {
                    String name = row.getString("name");
                    String column = schema + "." + table + "." + name;
                    if (excluded.contains(column) || table(schema, table).skipped().contains(name)) {
                        continue;
                    }
                    String quoted = SourceConnections.quote(name);
                    SourceColumnTypes.Mapped mapped = SourceColumnTypes.map(row, quoted,
                            writer.dialect().dateRange(), writer.dialect().timestampRange());
                    ColumnType type = mapped.type();
                    if (hashed.hashes(schema, table, name)) {
                        if (!SourceColumnTypes.hashableInSql(type)) {
                            throw new SQLException("pipeline.cdc.snapshot-method=copy cannot hash " + column + " ("
                                    + row.getString("type_name") + ") as the change stream does; use snapshot-method=debezium");
                        }
                        // Copied as the source prints it (the text the stream hashes, whatever the value) and
                        // hashed by the warehouse as it loads: the salt never goes to the source.
                        selects.add(quoted);
                        hashedColumns.add(name);
                        type = ColumnType.of(Kind.TEXT);
                    } else {
                        selects.add(mapped.value());
                        if (mapped.invalid() != null) {
                            invalidConditions.add(mapped.invalid());
                            invalidEntries.add("case when " + mapped.invalid() + " then "
                                    + sqlLiteral(io.livewarehouse.staging.PgJson.string(name) + ":") + " || to_json("
                                    + mapped.sourceText() + ")::text end");
                        }
                    }
                    columns.add(new StagingColumn(name, type, null, row.getInt("position")));
                }
            }
        }
        // The row's _cdc_invalid object, written as the stream writes it (PgJson): {"column":"text",...}.
        selects.add(invalidConditions.isEmpty() ? "null" : "case when " + String.join(" or ", invalidConditions)
                + " then '{' || concat_ws(',', " + String.join(", ", invalidEntries) + ") || '}' end");
        if (columns.isEmpty()) {
            throw new SQLException("source table " + qualified + " not found or without columns to capture");
        }
        List<String> key = table(schema, table).key();
        LOG.infof("Snapshot by COPY: copying %s.%s", schema, table);
        // A name any stage and SQL literal takes (PUT, COPY INTO's FILES); one table's file exists at a time.
        Path file = directory.resolve((schema + "." + table).replaceAll("[^A-Za-z0-9_.-]", "_") + ".csv");
        long rows;
        CsvRecordLengths lengths;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            lengths = new CsvRecordLengths(out);
            // Every value quoted, NULL unquoted: the warehouse tells an empty string from NULL.
            rows = copy.copyOut("copy (select " + String.join(", ", selects) + " from " + SourceConnections.quote(schema)
                    + "." + SourceConnections.quote(table) + ") to stdout with (format csv, force_quote *)", lengths);
        }
        return new SnapshotCopy(schema, table, columns, key, hashedColumns, file, rows, lengths.longest());
    }

    private static String sqlLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** A configured {@code schema.table} as its two names. */
    private static String[] schemaAndTable(String qualified) {
        return TableSettings.schemaAndTable(qualified);
    }

    /** The table as checked when the stream started (CapturedTables.prepare runs first). */
    private CapturedTables.Table table(String schema, String table) {
        return capturedTables.table(schema, table);
    }

    private static Set<String> columnSet(String list) {
        Set<String> columns = new HashSet<>();
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                columns.add(entry.trim());
            }
        }
        return columns;
    }
}
