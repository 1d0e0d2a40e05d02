package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.source.SourceSettings;
import io.livewarehouse.staging.ColumnType;
import io.livewarehouse.staging.ColumnType.Kind;
import io.livewarehouse.staging.SnapshotCopy;
import io.livewarehouse.staging.StagingColumn;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
    private final SourceSettings settings;
    private final StagingWriter writer;
    private final SnapshotProgress progress;
    private final io.livewarehouse.source.ReplicationSlot replicationSlot;
    private final String method;
    private final String cdcName;
    private final String slotName;
    private final String publicationName;

    public CopySnapshot(SourceConnections source, StagingWriter writer, SnapshotProgress progress,
                        io.livewarehouse.source.ReplicationSlot replicationSlot,
                        @ConfigProperty(name = "pipeline.cdc.snapshot-method") String method,
                        @ConfigProperty(name = "pipeline.cdc.name") String cdcName,
                        @ConfigProperty(name = "pipeline.cdc.slot-name") String slotName,
                        @ConfigProperty(name = "pipeline.cdc.publication-name") String publicationName) {
        this.source = source;
        this.settings = source.settings();
        this.writer = writer;
        this.progress = progress;
        this.replicationSlot = replicationSlot;
        this.method = method;
        this.cdcName = cdcName;
        this.slotName = slotName;
        this.publicationName = publicationName;
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
        if (!writer.dialect().loadsSnapshotFiles()) {
            throw new IllegalStateException("pipeline.cdc.snapshot-method=copy loads CSV files into the warehouse, which "
                    + "the " + writer.dialect().name() + " warehouse does not do yet; set pipeline.cdc.snapshot-method=auto or debezium");
        }
        long started = System.nanoTime();
        Path directory = Files.createTempDirectory("live-warehouse-snapshot");
        List<SnapshotCopy> copies;
        LogSequenceNumber consistentPoint;
        try (Connection replication = source.openReplication(); Connection connection = source.open()) {
            ensurePublication(connection);
            ReplicationSlotInfo slot = replication.unwrap(PGConnection.class).getReplicationAPI()
                    .createReplicationSlot().logical().withSlotName(slotName).withOutputPlugin("pgoutput").make();
            LOG.infof("Snapshot by COPY: created replication slot %s at %s; copying %d tables in its snapshot",
                    slotName, slot.getConsistentPoint(), settings.tables().size());
            consistentPoint = slot.getConsistentPoint();
            long transaction;
            OffsetDateTime at;
            try (Statement statement = connection.createStatement()) {
                statement.execute("set time zone 'UTC'");
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                statement.execute("set transaction read only");
                statement.execute("set transaction snapshot '" + slot.getSnapshotName().replace("'", "''") + "'");
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
                long lsn = slot.getConsistentPoint().asLong();
                java.util.Iterator<String> tables = settings.tables().iterator();
                copies = writer.writeSnapshotCopy(() -> tables.hasNext()
                                ? copyTable(connection, copy, tables.next(), excluded, hashed, directory) : null,
                        Map.of(offsetKey(), offset(lsn, transaction, at)), lsn, transaction, at,
                        settings.hashSalt().orElse(""));
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

    /**
     * The publication must exist before the slot: pgoutput decodes each change with the catalog as of that
     * change, so changes from before the publication existed would not be published. Created as Debezium's
     * "filtered" mode creates it.
     */
    private void ensurePublication(Connection connection) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement("select 1 from pg_publication where pubname = ?")) {
            exists.setString(1, publicationName);
            try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                    return;
                }
            }
        }
        List<String> tables = new ArrayList<>();
        for (String qualified : settings.tables()) {
            String[] parts = schemaAndTable(qualified);
            tables.add(SourceConnections.quote(parts[0]) + "." + SourceConnections.quote(parts[1]));
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("create publication " + SourceConnections.quote(publicationName) + " for table "
                    + String.join(", ", tables));
        }
    }

    private SnapshotCopy copyTable(Connection connection, CopyManager copy, String qualified, Set<String> excluded,
                                   SensitiveColumns hashed, Path directory) throws SQLException, IOException {
        String[] parts = schemaAndTable(qualified);
        String schema = parts[0];
        String table = parts[1];
        List<StagingColumn> columns = new ArrayList<>();
        List<String> selects = new ArrayList<>();
        Set<String> hashedColumns = new HashSet<>();
        try (PreparedStatement describe = connection.prepareStatement(SourceColumnTypes.QUERY)) {
            describe.setString(1, schema);
            describe.setString(2, table);
            try (ResultSet row = describe.executeQuery()) {
                while (row.next()) {
                    String name = row.getString("name");
                    String column = schema + "." + table + "." + name;
                    if (excluded.contains(column)) {
                        continue;
                    }
                    SourceColumnTypes.Mapped mapped = SourceColumnTypes.map(row, SourceConnections.quote(name));
                    if (mapped == null) {
                        throw new SQLException("pipeline.cdc.snapshot-method=copy does not know how the change stream "
                                + "stages " + column + " (" + row.getString("type_name") + "); use snapshot-method=debezium");
                    }
                    ColumnType type = mapped.type();
                    if (hashed.hashes(schema, table, name)) {
                        if (!SourceColumnTypes.hashableInSql(type)) {
                            throw new SQLException("pipeline.cdc.snapshot-method=copy cannot hash " + column + " ("
                                    + row.getString("type_name") + ") as the change stream does; use snapshot-method=debezium");
                        }
                        // Copied as the source prints it (the text the stream hashes) and hashed by the warehouse
                        // as it loads: the salt never goes to the source.
                        selects.add(SourceConnections.quote(name));
                        hashedColumns.add(name);
                        type = ColumnType.of(Kind.TEXT);
                    } else {
                        selects.add(mapped.select());
                    }
                    columns.add(new StagingColumn(name, type));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("source table " + qualified + " not found or without columns to capture");
        }
        List<String> key = new ArrayList<>();
        try (PreparedStatement primary = connection.prepareStatement("""
                select a.attname from pg_index i
                join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indrelid = to_regclass(?) and i.indisprimary
                order by array_position(i.indkey, a.attnum)""")) {
            primary.setString(1, SourceConnections.quote(schema) + "." + SourceConnections.quote(table));
            try (ResultSet row = primary.executeQuery()) {
                while (row.next()) {
                    key.add(row.getString(1));
                }
            }
        }
        LOG.infof("Snapshot by COPY: copying %s.%s", schema, table);
        Path file = directory.resolve(schema + "." + table + ".csv");
        long rows;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            // Every value quoted, NULL unquoted: the warehouse tells an empty string from NULL.
            rows = copy.copyOut("copy (select " + String.join(", ", selects) + " from " + SourceConnections.quote(schema)
                    + "." + SourceConnections.quote(table) + ") to stdout with (format csv, force_quote *)", out);
        }
        return new SnapshotCopy(schema, table, columns, key, hashedColumns, file, rows);
    }

    /** A configured {@code schema.table} as its two names. */
    private static String[] schemaAndTable(String qualified) {
        return qualified.trim().split("\\.", 2);
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
