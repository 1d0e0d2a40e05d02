package io.livewarehouse.staging;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.support.Messages;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * STAGING's writer: everything that changes staging goes through it, one warehouse transaction at a time
 * (its lock), so a batch, a snapshot and a table's own snapshot never interleave. A batch of buffered changes
 * is written with the Debezium offsets that cover it: either both are stored or neither is, so a crash at any
 * moment replays exactly what is missing (the protocol: {@code io.livewarehouse.capture.StagingCommit}).
 *
 * <p>Its parts, each under this lock: {@link BatchTransaction} (a batch's one transaction), {@link StagingSchema} (tables created and evolved with the source),
 * {@link StagingAppend} (rows in the table's column order), {@link ReplayGuard} (replays staged once),
 * {@link PoisonIsolation} (a change the warehouse refuses set aside as a dead letter), {@link OffsetsRepository},
 * {@link LoadClock} (load times that only rise), {@link HeldTables} (tables waiting for their own snapshot)
 * and {@link SnapshotStaging} (snapshots by COPY).
 */
@ApplicationScoped
public class StagingWriter {

    private static final Logger LOG = Logger.getLogger(StagingWriter.class);
    /** The reason a table added to pipeline.source.tables waits for its first snapshot with (see StreamPreparation). */
    public static final String ADDED = "added to pipeline.source.tables";

    private final Warehouse warehouse;
    private final WarehouseSetup setup;
    private final StagingBuffer buffer;
    private final LoadClock clock = new LoadClock();
    private final ReplayGuard replay;
    private final StagingSchema schema;
    private final HeldTables held;
    private final OffsetsRepository offsets;
    private final SnapshotStaging snapshots;
    private final BatchTransaction transaction;

    private final StagingProgress progress;
    private int failedWrites;
    private volatile String lastWriteError;
    /** Rows were committed without offsets since the offsets last stored (a batch ending inside a transaction). */
    private volatile boolean rowsSinceOffsets;
    private final java.util.concurrent.atomic.AtomicInteger offsetWaiters = new java.util.concurrent.atomic.AtomicInteger();

    public StagingWriter(Warehouse warehouse, WarehouseSetup setup, StagingBuffer buffer, MeterRegistry registry,
                         PipelineSettings settings) {
        boolean deadLetterEnabled = settings.staging().deadLetterEnabled();
        int writeAttempts = settings.staging().writeAttempts();
        if (writeAttempts < 1) {
            throw new IllegalArgumentException("pipeline.staging.write-attempts must be at least 1, not " + writeAttempts);
        }
        this.warehouse = warehouse;
        this.setup = setup;
        this.buffer = buffer;
        WarehouseDialect dialect = warehouse.dialect();
        this.replay = new ReplayGuard(dialect);
        this.schema = new StagingSchema(dialect, replay);
        this.held = new HeldTables(warehouse, clock);
        this.offsets = new OffsetsRepository(warehouse);
        StagingAppend append = new StagingAppend(dialect, schema, replay, held::holds, deadLetterEnabled);
        PoisonIsolation poison = new PoisonIsolation(dialect, append, schema, replay, deadLetterEnabled);
        this.snapshots = new SnapshotStaging(warehouse, new SnapshotFileLoad(warehouse), schema, replay, held, offsets, clock);
        this.progress = new StagingProgress(registry);
        this.transaction = new BatchTransaction(dialect, schema, append, poison, this.offsets, registry, writeAttempts);
    }

    /**
     * Staging batches with rows committed by this process so far (streamed, snapshot and released held rows):
     * unchanged since a mart cycle or data test run, nothing new can be in staging for them, and they need not
     * ask the warehouse (which on Snowflake would keep a virtual warehouse awake for nothing).
     */
    public long commits() {
        return clock.commits();
    }

    /**
     * Whether a commit now would store offsets alone: nothing buffered, nothing committed without offsets since
     * they were last stored, and nobody waiting for them to reach a source position ({@link #offsetsWanted}).
     * Such commits are only spaced out at idle ({@code pipeline.staging.idle-commit-interval-ms}).
     */
    public boolean offsetsOnly() {
        return buffer.size() == 0 && !rowsSinceOffsets && offsetWaiters.get() == 0;
    }

    /**
     * Someone waits for the stored offsets to reach a source position (a reconciliation, a table's resync):
     * until the wait is closed, offsets commit at the flush interval even at idle.
     */
    public OffsetsWanted offsetsWanted() {
        offsetWaiters.incrementAndGet();
        return offsetWaiters::decrementAndGet;
    }

    /** The end of a wait begun with {@link #offsetsWanted}. */
    @FunctionalInterface
    public interface OffsetsWanted extends AutoCloseable {
        @Override
        void close();
    }

    /** The change stream (re)starts: what is in staging now may be replayed, so re-read the horizons. */
    public synchronized void streamStarting() throws SQLException {
        setup.ensure();
        replay.forget();
        schema.reread();
        try (Connection connection = warehouse.connect()) {
            clock.startFrom(StagingCatalog.newestLoad(connection, warehouse.dialect()));
        }
        held.reload();
    }

    /**
     * Holds the streamed changes of source table {@code qualified} (schema.table) from the next batch on, until
     * {@link #writeResync} stages its new snapshot; recorded in the warehouse first, so a restart holds them
     * too. Returns false when it is held already.
     */
    public synchronized boolean hold(String qualified, String reason) throws SQLException {
        setup.ensure();
        return held.hold(qualified, reason);
    }

    /**
     * Source tables (schema.table) waiting for a new snapshot of their own, with why, as this process last read
     * or wrote them: no warehouse query and no wait for a write in progress (readiness and the page ask often).
     */
    public Map<String, String> pendingResyncs() {
        return held.pending();
    }

    /** The snapshots of all tables staged so far by this process; see {@link #writeResync}. */
    public long generation() {
        return snapshots.generation();
    }

    /**
     * Stages a new snapshot of one held table, in one transaction: its rows (a new generation), then its held
     * changes, given this batch's load time (they follow the snapshot rows in source order), then a delete for
     * every key the snapshot did not see; the table is no longer held. Why this is exact: every change committed
     * after the snapshot was taken is held (holding began before the snapshot), and every held change committed
     * before it is followed by the key's later changes or agrees with the snapshot (each change carries the whole
     * row), so the current state ends as the source is. Returns the copy with its invalid values.
     */
    public SnapshotCopy writeResync(SnapshotCopy copy, String reason, OffsetDateTime started, long lsn,
                                    long transactionId, OffsetDateTime sourceTime, String hashSalt,
                                    long copiedInGeneration) throws SQLException {
        if (!snapshots.uploadsFirst()) {
            return stageResync(copy, reason, started, lsn, transactionId, sourceTime, hashSalt, copiedInGeneration, false);
        }
        // Snowflake: the file goes to its load table's stage first, without the writer's lock, so the other
        // tables' batches are not held up by the upload; only the table's own DDL and the transaction take it.
        try {
            snapshots.upload(copy);
            return stageResync(copy, reason, started, lsn, transactionId, sourceTime, hashSalt, copiedInGeneration, true);
        } finally {
            snapshots.dropLoad(copy);
        }
    }

    private synchronized SnapshotCopy stageResync(SnapshotCopy copy, String reason, OffsetDateTime started, long lsn,
                                                  long transactionId, OffsetDateTime sourceTime, String hashSalt,
                                                  long copiedInGeneration, boolean uploaded) throws SQLException {
        setup.ensure();
        SnapshotCopy staged = snapshots.stageOne(copy, reason, started, lsn, transactionId, sourceTime, hashSalt,
                copiedInGeneration, uploaded);
        progress.tableSnapshotCommitted(copy.rows());
        return staged;
    }

    /**
     * Ends every table's wait for a new snapshot of its own when the table is not among {@code configured}
     * (schema.table) any more: it is no longer captured, so no snapshot will come, and its held changes would
     * otherwise stay invisible, or, were the table added again, be released after a newer snapshot that they
     * predate. A table that was being resynced has its held changes released now, in source order after what
     * staging had (each is a whole row, so the table ends as the source was when its capture stopped, less
     * any drift the resync was to mend). A table that was added and never had a snapshot staged would show
     * only the keys that changed meanwhile, as if they were all it held: its held changes are removed, and
     * it arrives whole, with its own snapshot, if it is added again. Returns the tables whose wait ended.
     */
    public synchronized List<String> cancelResyncsOf(Collection<String> configured) throws SQLException {
        setup.ensure();
        return held.cancelAllBut(configured);
    }

    /** The staging table of source table schema.table: staging tables are named after the source table alone. */
    public static String stagingTableOf(String qualified) {
        return qualified.substring(qualified.indexOf('.') + 1);
    }

    /** A table's own copy that is no longer wanted: its request is gone (a snapshot of every table took it). */
    public static final class StaleCopy extends SQLException {
        StaleCopy(String table) {
            super("the copy of " + table + " is older than a snapshot staged since, or no longer asked for");
        }
    }

    /** The staging tables whose changes are held for their new snapshot now. */
    public Set<String> heldTables() {
        return held.tables();
    }

    /** Whether the streamed changes of staging table {@code table} are held for its new snapshot. */
    public boolean holds(String table) {
        return held.holds(table);
    }

    /**
     * Writes everything buffered and, when {@code offsets} is not null, those offsets, in one transaction.
     * On failure nothing is stored, the batch goes back into the buffer and the exception is rethrown.
     */
    public synchronized void write(Map<String, String> offsets) throws SQLException {
        String poisoned = buffer.poison();
        if (poisoned != null) {
            throw new SQLException("staging refuses to commit after an event it could not stage: " + poisoned);
        }
        setup.ensure();
        StagingBuffer.Batch batch = buffer.drain();
        if (batch.isEmpty() && offsets == null) {
            return;
        }
        long started = System.nanoTime();
        OffsetDateTime loadedAt = clock.next();
        try (Connection connection = warehouse.connect()) {
            try {
                transaction.write(connection, batch, offsets, loadedAt, failedWrites);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                forgetWarehouseState();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            buffer.restore(batch);
            failedWrites++;
            lastWriteError = io.livewarehouse.support.Messages.of(e);
            throw e;
        }
        failedWrites = 0;
        lastWriteError = null;
        rowsSinceOffsets = offsets == null && (rowsSinceOffsets || !batch.isEmpty());
        if (!batch.changes().isEmpty()) {
            clock.committed(loadedAt);
        }
        progress.batchCommitted(batch.changes(), offsets != null, started);
        LOG.debugf("Staged %d changes and %d dead letters in %d ms (offsets %s)", batch.changes().size(),
                batch.deadLetters().size(), (System.nanoTime() - started) / 1_000_000, offsets == null ? "kept" : "stored");
    }

    /**
     * Stages a snapshot taken by COPY: every table's CSV file, as {@code tables} copies them one after the
     * other, as snapshot rows at {@code lsn}, and the offsets Debezium streams on from, in one transaction. A
     * crash before the commit leaves nothing, and the copy is taken again. Returns the tables staged.
     *
     * <p>{@code reason} says why the snapshot is taken; each table's sync is recorded in
     * {@code _pipeline.table_syncs}. A table staging already holds gets a new snapshot generation: its earlier
     * rows stay (the change log), and every key the new snapshot does not have is staged as a delete (see
     * {@code insert-vanished-keys}), so the current state ends equal to the source.
     */
    public synchronized List<SnapshotCopy> writeSnapshotCopy(SnapshotCopy.Tables tables, Map<String, String> streamFrom,
                                                             long lsn, long transactionId, OffsetDateTime sourceTime,
                                                             String hashSalt, String reason) throws SQLException {
        setup.ensure();
        List<SnapshotCopy> copies;
        try {
            copies = snapshots.stageAll(tables, streamFrom, lsn, transactionId, sourceTime, hashSalt, reason);
        } catch (SQLException | RuntimeException e) {
            lastWriteError = Messages.of(e);
            throw e;
        }
        lastWriteError = null;
        progress.snapshotCommitted(copies.stream().mapToLong(SnapshotCopy::rows).sum(), lsn);
        return copies;
    }

    /**
     * After a failed warehouse transaction: the DDL caches may be ahead of the warehouse, and a failed commit
     * may still have landed (DuckDB, disk full: "Failed to commit" with the rows kept in memory), so columns,
     * recorded keys and replay horizons are read again next time; the retry then removes any copy it adds.
     */
    private void forgetWarehouseState() {
        schema.forget();
        replay.forget();
        schema.settled();
    }

    /** The offsets stored with the last committed batch. */
    public synchronized Map<String, String> readOffsets() throws SQLException {
        setup.ensure();
        return offsets.read();
    }

    /** A staging table's columns and types as the warehouse has them (empty when there is no such table). */
    public synchronized Map<String, ColumnType> stagedColumns(String table) throws SQLException {
        try (Connection connection = warehouse.connect()) {
            return schema.readColumns(connection, table);
        }
    }

    /** The warehouse's dialect, for what the capture asks of it before staging anything. */
    public WarehouseDialect dialect() {
        return warehouse.dialect();
    }

    public StagingProgress progress() {
        return progress;
    }

    /** Why the last write failed, or null when it succeeded. */
    public String lastWriteError() {
        return lastWriteError;
    }

    static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback failed after a failed staging write", e);
        }
    }
}
