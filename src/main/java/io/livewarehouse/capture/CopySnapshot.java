package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.staging.SnapshotCopy;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.ReplicationSlotInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

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
                TableCsvCopy tableCopy = new TableCsvCopy(settings, capturedTables, writer.dialect(), directory);
                long lsn = slot.consistentPoint().asLong();
                java.util.Iterator<String> tables = settings.tables().iterator();
                copies = writer.writeSnapshotCopy(() -> tables.hasNext()
                                ? tableCopy.copy(connection, tables.next()) : null,
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
            SnapshotCopy copy = new TableCsvCopy(settings, capturedTables, writer.dialect(), directory)
                    .copy(connection, qualified);
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
}
