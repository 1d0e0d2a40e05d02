package io.livewarehouse.staging;

import io.livewarehouse.warehouse.Warehouse;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stages snapshots taken by COPY: of every table (the first snapshot, a lost slot) with the offsets Debezium
 * streams on from, or of one held table ({@link HeldTables}) with its held changes; each in one warehouse
 * transaction, so a crash before the commit leaves nothing and the copy is taken again. With a warehouse that
 * uploads first (Snowflake), the files go to their stages and the tables' DDL runs before the transaction.
 * Called by {@link StagingWriter} under its lock (the uploads of one table's own snapshot outside it).
 */
final class SnapshotStaging {

    private static final Logger LOG = Logger.getLogger(SnapshotStaging.class);

    private final Warehouse warehouse;
    private final SnapshotFileLoad fileLoad;
    private final SnapshotRows rows;
    private final StagingSchema schema;
    private final ReplayGuard replay;
    private final HeldTables held;
    private final OffsetsRepository offsets;
    private final LoadClock clock;
    /**
     * Moves with every snapshot of all tables: a table's own copy taken before one must not be staged after it
     * (its rows are older than that snapshot's).
     */
    private final AtomicLong generation = new AtomicLong();

    SnapshotStaging(Warehouse warehouse, SnapshotFileLoad fileLoad, StagingSchema schema, ReplayGuard replay,
                    HeldTables held, OffsetsRepository offsets, LoadClock clock) {
        this.warehouse = warehouse;
        this.fileLoad = fileLoad;
        this.rows = new SnapshotRows(warehouse.dialect(), fileLoad);
        this.schema = schema;
        this.replay = replay;
        this.held = held;
        this.offsets = offsets;
        this.clock = clock;
    }

    long generation() {
        return generation.get();
    }

    boolean uploadsFirst() {
        return fileLoad.uploadsFirst();
    }

    /** See {@link StagingWriter#writeSnapshotCopy}. */
    List<SnapshotCopy> stageAll(SnapshotCopy.Tables tables, Map<String, String> streamFrom, long lsn, long transactionId,
                                OffsetDateTime sourceTime, String hashSalt, String reason) throws SQLException {
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        List<SnapshotCopy> copies = new ArrayList<>();
        // Changes held for a table's own snapshot are older than this snapshot, which takes every table: they
        // are given the load time before it, and the table's own snapshot is no longer needed.
        OffsetDateTime heldAt = clock.next();
        OffsetDateTime loadedAt = heldAt.plusNanos(1000);
        List<String> released = new ArrayList<>();
        List<SnapshotCopy> uploaded = fileLoad.uploadsFirst() ? uploadAll(tables) : List.of();
        SnapshotCopy.Tables toStage = fileLoad.uploadsFirst() ? inOrder(uploaded) : tables;
        try (Connection connection = warehouse.connect()) {
            connection.setAutoCommit(false);
            try {
                // One table at a time: its CSV file is loaded and removed before the next is copied, so the
                // temporary space needed is that of the largest table, not of the whole source.
                for (SnapshotCopy copy = next(toStage); copy != null; copy = next(toStage)) {
                    String qualified = schema.qualified(copy.table());
                    schema.ensureTable(connection, copy.table(), qualified, copy.columns());
                    schema.recordKey(connection, copy.table(), copy.keyColumns());
                    long horizon = replay.horizon(copy.table());
                    String source = copy.schema() + "." + copy.table();
                    if (held.waits(source)) {
                        rows.releaseHeld(connection, qualified, heldAt);
                        rows.endWait(connection, source);
                        released.add(source);
                    }
                    rows.insert(connection, copy, qualified, lsn, transactionId, sourceTime, loadedAt, hashSalt);
                    copies.add(copy.withInvalidValues(rows.invalidValues(connection, qualified, loadedAt)));
                    long vanished = 0;
                    if (horizon != Long.MIN_VALUE) {
                        // The table was staged before: a new generation. Its older rows are its history.
                        vanished = rows.stageVanishedKeys(connection, copy.table(), qualified, copy.keyColumns(), lsn,
                                transactionId, sourceTime, loadedAt);
                    }
                    rows.recordSync(connection, source, reason, started, copy.rows(), vanished, lsn);
                    replay.raise(copy.table(), lsn);
                    removeFile(copy);
                }
                offsets.write(connection, streamFrom, loadedAt);
                connection.commit();
                schema.settled();
                generation.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                StagingWriter.rollbackQuietly(connection);
                failed();
                throw e;
            } finally {
                fileLoad.dropLoads(uploaded);
            }
        }
        released.forEach(held::released);
        clock.committed(loadedAt);
        return copies;
    }

    /** Snowflake: one table's file to its load table's stage, before (and outside the lock of) {@link #stageOne}. */
    void upload(SnapshotCopy copy) throws SQLException {
        fileLoad.upload(copy);
    }

    void dropLoad(SnapshotCopy copy) {
        fileLoad.dropLoads(List.of(copy));
    }

    /** See {@link StagingWriter#writeResync}; {@code uploaded}: its file is on its stage already. */
    SnapshotCopy stageOne(SnapshotCopy copy, String reason, OffsetDateTime started, long lsn, long transactionId,
                          OffsetDateTime sourceTime, String hashSalt, long copiedInGeneration, boolean uploaded)
            throws SQLException {
        String source = copy.schema() + "." + copy.table();
        if (copiedInGeneration != generation.get() || !held.waits(source)) {
            // A snapshot of every table was staged since this copy was taken (after a lost slot): it is newer.
            throw new StagingWriter.StaleCopy(source);
        }
        OffsetDateTime loadedAt = clock.next();
        String qualified = schema.qualified(copy.table());
        if (uploaded) {
            // The table's DDL before its transaction (in Snowflake DDL would commit it).
            try (Connection connection = warehouse.connect()) {
                schema.ensureTable(connection, copy.table(), qualified, copy.columns());
            } catch (SQLException | RuntimeException e) {
                forget();
                throw e;
            } finally {
                schema.settled();
            }
        }
        SnapshotCopy staged;
        long released;
        try (Connection connection = warehouse.connect()) {
            connection.setAutoCommit(false);
            try {
                schema.ensureTable(connection, copy.table(), qualified, copy.columns());
                schema.recordKey(connection, copy.table(), copy.keyColumns());
                rows.insert(connection, copy, qualified, lsn, transactionId, sourceTime, loadedAt, hashSalt);
                staged = copy.withInvalidValues(rows.invalidValues(connection, qualified, loadedAt));
                released = rows.releaseHeld(connection, qualified, loadedAt);
                long vanished = rows.stageVanishedKeys(connection, copy.table(), qualified, copy.keyColumns(), lsn,
                        transactionId, sourceTime, loadedAt);
                rows.recordSync(connection, source, reason, started, copy.rows(), vanished, lsn);
                if (!rows.endWait(connection, source)) {
                    throw new StagingWriter.StaleCopy(source);
                }
                connection.commit();
                schema.settled();
                replay.raise(copy.table(), lsn);
            } catch (SQLException | RuntimeException e) {
                StagingWriter.rollbackQuietly(connection);
                failed();
                throw e;
            }
        }
        held.released(source);
        clock.committed(loadedAt);
        LOG.infof("New snapshot of %s staged (%s): %d rows, then %d changes held while it was taken", source,
                reason, copy.rows(), released);
        removeFile(copy);
        return staged;
    }

    /**
     * Snowflake, before the staging transaction: each table copied in turn, its staging table created or
     * evolved (DDL, which would commit an open transaction) and its file uploaded (see {@link SnapshotFileLoad}).
     * Only one table's file is on local disk at a time.
     */
    private List<SnapshotCopy> uploadAll(SnapshotCopy.Tables tables) throws SQLException {
        List<SnapshotCopy> uploaded = new ArrayList<>();
        try (Connection connection = warehouse.connect()) {
            try {
                for (SnapshotCopy copy = next(tables); copy != null; copy = next(tables)) {
                    schema.ensureTable(connection, copy.table(), schema.qualified(copy.table()), copy.columns());
                    // Listed before its load table exists, so that a failed upload drops that table too.
                    uploaded.add(copy);
                    fileLoad.upload(connection, copy);
                }
            } catch (SQLException | RuntimeException e) {
                forget();
                fileLoad.dropLoads(uploaded);
                throw e;
            } finally {
                schema.settled();
            }
        }
        return uploaded;
    }

    /** A failed snapshot transaction: what the writer remembers of the warehouse is read again. */
    private void failed() {
        forget();
        held.reload();
    }

    private void forget() {
        schema.forget();
        replay.forget();
        schema.settled();
    }

    private static void removeFile(SnapshotCopy copy) {
        try {
            Files.deleteIfExists(copy.file());
        } catch (IOException e) {
            LOG.warnf("Could not remove the snapshot file %s: %s", copy.file(), e.getMessage());
        }
    }

    /** Tables already copied, one after the other. */
    private static SnapshotCopy.Tables inOrder(List<SnapshotCopy> copies) {
        Iterator<SnapshotCopy> next = copies.iterator();
        return () -> next.hasNext() ? next.next() : null;
    }

    private static SnapshotCopy next(SnapshotCopy.Tables tables) throws SQLException {
        try {
            return tables.next();
        } catch (IOException e) {
            throw new SQLException("snapshot copy: " + e.getMessage(), e);
        }
    }
}
