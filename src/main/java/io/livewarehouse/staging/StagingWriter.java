package io.livewarehouse.staging;

import io.livewarehouse.warehouse.Warehouse;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Writes buffered change events to STAGING, one warehouse transaction per batch, together with the Debezium
 * offsets that cover them: either both are stored or neither is, so a crash at any moment replays exactly
 * what is missing. Replayed events are recognised by table key + LSN + operation and are not stored twice.
 *
 * <p>Staging tables are created from the first event of each table and gain columns when the source gains
 * them; columns dropped at the source stay, NULL from then on.
 */
@ApplicationScoped
public class StagingWriter {

    private static final Logger LOG = Logger.getLogger(StagingWriter.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Warehouse warehouse;
    private final StagingBuffer buffer;

    /** Columns of each staging table with their types, in table order; loaded on first touch. */
    private final Map<String, Map<String, ColumnType>> knownColumns = new HashMap<>();
    /**
     * Per staging table, the highest LSN it holds: read when the change stream (re)starts or after a failed
     * write, raised by every write. Only events at or below it can be replays, so batches entirely above it
     * (with rising LSNs) skip the duplicate check.
     */
    private final Map<String, Long> replayHorizon = new HashMap<>();
    /** Whether the open transaction changed the columns of a staging table. */
    private boolean schemaTouched;
    /** Which staging column each source column is, across renames. */
    private final ColumnIdentity columnIdentity = new ColumnIdentity();
    /**
     * Staging tables whose streamed changes are held (staged without a load time, which no model reads) until
     * their new snapshot is staged ({@link #writeResync}); as {@code _pipeline.resyncs} lists them.
     */
    private final java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The source tables (schema.table) of {@link #held}, with why: {@code _pipeline.resyncs} as last read or written. */
    private final Map<String, String> pending = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Moves with every snapshot of all tables: a table's own copy taken before one must not be staged after it
     * (its rows are older than that snapshot's), see {@link #writeResync}.
     */
    private final AtomicLong generation = new AtomicLong();
    /** Key columns already recorded in _pipeline.staging_tables by this process. */
    private final Map<String, String> recordedKeys = new HashMap<>();
    /**
     * The load time of the last batch. Each batch's {@code _cdc_loaded_at} is later than the one before, even
     * if the clock steps back, because mart models read staging incrementally by load time: arrival order,
     * which is source commit order (LSNs of interleaved transactions are not).
     */
    private OffsetDateTime lastLoadedAt;

    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong batchesWritten = new AtomicLong();
    private volatile OffsetDateTime lastBatchAt;
    private volatile long lastStagedLsn;
    private volatile long lastStagedTransactionId;
    /** The highest streamed transaction id written so far, complete or not. */
    private long streamedTransactionWritten;

    private final boolean deadLetterEnabled;
    /** Failures in a row after which a batch is taken apart to set aside what cannot be written. */
    private final int writeAttempts;
    private int failedWrites;
    /** In fail-fast mode, the change found that the warehouse refuses (see {@link #withoutPoison}). */
    private String refused;
    private final MeterRegistry registry;
    private final Timer writeTimer;
    private final DistributionSummary batchRows;
    private final Timer commitToStaging;
    private volatile String lastWriteError;

    private final WarehouseSetup setup;
    private final SnapshotFileLoad fileLoad;
    /** The reason a table added to pipeline.source.tables waits for its first snapshot with (see WarehouseOffsetStore). */
    public static final String ADDED = "added to pipeline.source.tables";

    public StagingWriter(Warehouse warehouse, WarehouseSetup setup, StagingBuffer buffer, MeterRegistry registry,
                         @ConfigProperty(name = "pipeline.staging.dead-letter-enabled") boolean deadLetterEnabled,
                         @ConfigProperty(name = "pipeline.staging.write-attempts", defaultValue = "5") int writeAttempts) {
        if (writeAttempts < 1) {
            throw new IllegalArgumentException("pipeline.staging.write-attempts must be at least 1, not " + writeAttempts);
        }
        this.writeAttempts = writeAttempts;
        this.warehouse = warehouse;
        this.fileLoad = new SnapshotFileLoad(warehouse);
        this.setup = setup;
        this.buffer = buffer;
        this.registry = registry;
        this.deadLetterEnabled = deadLetterEnabled;
        this.writeTimer = Timer.builder("pipeline.staging.write")
                .description("Time to write one staging batch with its offsets, in one warehouse transaction")
                .publishPercentileHistogram().register(registry);
        this.batchRows = DistributionSummary.builder("pipeline.staging.batch.rows")
                .description("Change events per staging batch").register(registry);
        this.commitToStaging = Timer.builder("pipeline.staging.latency")
                .description("From the source commit of a streamed change to its staging batch committing")
                .publishPercentileHistogram().register(registry);
    }

    /** The change stream (re)starts: what is in staging now may be replayed, so re-read the horizons. */
    public synchronized void streamStarting() throws SQLException {
        ensureSchemas();
        replayHorizon.clear();
        knownColumns.clear();
        columnIdentity.forget();
        try (Connection connection = warehouse.connect()) {
            lastLoadedAt = StagingCatalog.newestLoad(connection, warehouse.dialect());
        }
        reloadHeld();
    }

    /** Reads {@code _pipeline.resyncs} into {@link #held} and {@link #pending}; after a failure, the warehouse says. */
    private void reloadHeld() {
        try {
            Map<String, String> stored = readResyncs();
            pending.keySet().retainAll(stored.keySet());
            pending.putAll(stored);
            held.retainAll(stored.keySet().stream().map(StagingWriter::stagingTableOf).toList());
            stored.keySet().forEach(table -> held.add(stagingTableOf(table)));
        } catch (SQLException e) {
            LOG.warnf("Could not read _pipeline.resyncs (tables waiting for their snapshot): %s", e.getMessage());
        }
    }

    /**
     * Holds the streamed changes of source table {@code qualified} (schema.table) from the next batch on, until
     * {@link #writeResync} stages its new snapshot; recorded in the warehouse first, so a restart holds them
     * too. Returns false when it is held already.
     */
    public synchronized boolean hold(String qualified, String reason) throws SQLException {
        ensureSchemas();
        if (readResyncs().containsKey(qualified)) {
            held.add(stagingTableOf(qualified));
            pending.putIfAbsent(qualified, reason);
            return false;
        }
        try (Connection connection = warehouse.connect();
             PreparedStatement insert = connection.prepareStatement(warehouse.dialect().statement("insert-resync"))) {
            insert.setString(1, qualified);
            insert.setString(2, reason);
            warehouse.dialect().bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
            insert.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            reloadHeld();
            throw e;
        }
        held.add(stagingTableOf(qualified));
        pending.put(qualified, reason);
        LOG.infof("Holding the changes of %s until its new snapshot is staged (%s)", qualified, reason);
        return true;
    }

    /**
     * Source tables (schema.table) waiting for a new snapshot of their own, with why, as this process last read
     * or wrote them: no warehouse query and no wait for a write in progress (readiness and the page ask often).
     */
    public Map<String, String> pendingResyncs() {
        return Map.copyOf(pending);
    }

    /** The snapshots of all tables staged so far by this process; see {@link #writeResync}. */
    public long generation() {
        return generation.get();
    }

    /** {@code _pipeline.resyncs} as the warehouse holds it, oldest first. */
    private Map<String, String> readResyncs() throws SQLException {
        ensureSchemas();
        Map<String, String> stored = new LinkedHashMap<>();
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(warehouse.dialect().statement("read-resyncs"))) {
            while (rows.next()) {
                stored.put(rows.getString(1), rows.getString(2));
            }
        }
        return stored;
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
                                    long copiedInGeneration)
            throws SQLException {
        if (!fileLoad.uploadsFirst()) {
            return stageResync(copy, reason, started, lsn, transactionId, sourceTime, hashSalt, copiedInGeneration, false);
        }
        // Snowflake: the file goes to its load table's stage first, without the writer's lock, so the other
        // tables' batches are not held up by the upload; only the table's own DDL and the transaction take it.
        try {
            fileLoad.upload(copy);
            return stageResync(copy, reason, started, lsn, transactionId, sourceTime, hashSalt, copiedInGeneration, true);
        } finally {
            fileLoad.dropLoads(List.of(copy));
        }
    }

    private synchronized SnapshotCopy stageResync(SnapshotCopy copy, String reason, OffsetDateTime started, long lsn,
                                                  long transactionId, OffsetDateTime sourceTime, String hashSalt,
                                                  long copiedInGeneration, boolean uploaded)
            throws SQLException {
        ensureSchemas();
        String requested = copy.schema() + "." + copy.table();
        if (copiedInGeneration != generation.get() || !pending.containsKey(requested)) {
            // A snapshot of every table was staged since this copy was taken (after a lost slot): it is newer.
            throw new StaleCopy(requested);
        }
        WarehouseDialect dialect = warehouse.dialect();
        OffsetDateTime loadedAt = nextLoadTime();
        String qualifiedSource = copy.schema() + "." + copy.table();
        SnapshotCopy staged;
        long released;
        String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(copy.table());
        if (uploaded) {
            // The table's DDL before its transaction (in Snowflake DDL would commit it).
            try (Connection connection = warehouse.connect()) {
                ensureTable(connection, copy.table(), qualified, copy.columns());
            } catch (SQLException | RuntimeException e) {
                forgetWarehouseState();
                throw e;
            } finally {
                schemaSettled();
            }
        }
        try (Connection connection = warehouse.connect()) {
            connection.setAutoCommit(false);
            try {
                ensureTable(connection, copy.table(), qualified, copy.columns());
                recordKey(connection, copy.table(), copy.keyColumns());
                long horizon = replayHorizon.get(copy.table());
                insertCopy(connection, copy, qualified, lsn, transactionId, sourceTime, loadedAt, hashSalt);
                staged = copy.withInvalidValues(invalidValues(connection, qualified, loadedAt));
                try (PreparedStatement release = connection.prepareStatement(
                        dialect.statement("release-held-changes", Map.of("table", qualified)))) {
                    dialect.bind(release, 1, loadedAt);
                    released = release.executeUpdate();
                }
                long vanished = stageVanishedKeys(connection, copy.table(), qualified, copy.keyColumns(), lsn,
                        transactionId, sourceTime, loadedAt);
                recordSync(connection, qualifiedSource, reason, started, copy.rows(), vanished, lsn);
                try (PreparedStatement done = connection.prepareStatement(dialect.statement("delete-resync"))) {
                    done.setString(1, qualifiedSource);
                    if (done.executeUpdate() != 1) {
                        throw new StaleCopy(qualifiedSource);
                    }
                }
                connection.commit();
                schemaSettled();
                replayHorizon.put(copy.table(), Math.max(horizon, lsn));
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                forgetWarehouseState();
                reloadHeld();
                throw e;
            }
        }
        held.remove(copy.table());
        pending.remove(qualifiedSource);
        lastLoadedAt = loadedAt;
        rowsWritten.addAndGet(copy.rows());
        batchesWritten.incrementAndGet();
        LOG.infof("New snapshot of %s staged (%s): %d rows, then %d changes held while it was taken", qualifiedSource,
                reason, copy.rows(), released);
        try {
            java.nio.file.Files.deleteIfExists(copy.file());
        } catch (java.io.IOException e) {
            LOG.warnf("Could not remove the snapshot file %s: %s", copy.file(), e.getMessage());
        }
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
    public synchronized List<String> cancelResyncsOf(java.util.Collection<String> configured) throws SQLException {
        ensureSchemas();
        List<String> cancelled = new ArrayList<>();
        WarehouseDialect dialect = warehouse.dialect();
        for (Map.Entry<String, String> wait : readResyncs().entrySet()) {
            String qualifiedSource = wait.getKey();
            if (configured.contains(qualifiedSource)) {
                continue;
            }
            String table = stagingTableOf(qualifiedSource);
            String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table);
            try (Connection connection = warehouse.connect()) {
                boolean staged = !StagingCatalog.columns(connection, dialect, dialect.stagingSchema(), table).isEmpty();
                boolean snapshotted = staged && ((Number) single(connection, dialect.statement(
                        "count-loaded-rows", Map.of("table", qualified)))).longValue() > 0
                        && !wait.getValue().startsWith(ADDED);
                connection.setAutoCommit(false);
                try {
                    long released = 0;
                    OffsetDateTime at = nextLoadTime();
                    if (staged && snapshotted) {
                        try (PreparedStatement release = connection.prepareStatement(dialect.statement(
                                "release-held-changes", Map.of("table", qualified)))) {
                            dialect.bind(release, 1, at);
                            released = release.executeUpdate();
                        }
                    } else if (staged) {
                        try (Statement remove = connection.createStatement()) {
                            long removed = remove.executeUpdate(dialect.statement("delete-held-changes",
                                    Map.of("table", qualified)));
                            LOG.infof("%s was added and removed again before its snapshot: its %d held changes removed",
                                    qualifiedSource, removed);
                        }
                    }
                    try (PreparedStatement done = connection.prepareStatement(dialect.statement("delete-resync"))) {
                        done.setString(1, qualifiedSource);
                        done.executeUpdate();
                    }
                    connection.commit();
                    lastLoadedAt = at;
                    LOG.infof("%s is no longer in pipeline.source.tables: its wait for a new snapshot ended, %d held "
                            + "changes staged", qualifiedSource, released);
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection);
                    reloadHeld();
                    throw e;
                }
            }
            pending.remove(qualifiedSource);
            held.remove(table);
            cancelled.add(qualifiedSource);
        }
        return cancelled;
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
    public java.util.Set<String> heldTables() {
        return java.util.Set.copyOf(held);
    }

    /** Whether the streamed changes of staging table {@code table} are held for its new snapshot. */
    public boolean holds(String table) {
        return held.contains(table);
    }

    /**
     * Writes everything buffered and, when {@code offsets} is not null, those offsets, in one transaction.
     * On failure nothing is stored, the batch goes back into the buffer and the exception is rethrown.
     */
    public synchronized void write(Map<String, String> offsets) throws SQLException {
        String poison = buffer.poison();
        if (poison != null) {
            throw new SQLException("staging refuses to commit after an event it could not stage: " + poison);
        }
        ensureSchemas();
        StagingBuffer.Batch batch = buffer.drain();
        if (batch.isEmpty() && offsets == null) {
            return;
        }
        long started = System.nanoTime();
        OffsetDateTime loadedAt = nextLoadTime();
        try (Connection connection = warehouse.connect()) {
            try {
                List<DeadLetter> deadLetters = new ArrayList<>(batch.deadLetters());
                Map<String, List<StagedChange>> tables = byTable(batch.changes());
                // Every table's DDL first, each statement committed on its own, before the batch's transaction:
                // in Snowflake a CREATE or ALTER commits the open transaction, which must not happen between
                // the batch's rows and its offsets; and DuckDB's Appender does not see a column added or
                // widened in its own transaction (it fails with "invalid column type"). Schema changes are
                // idempotent: if the batch then fails, they stay and the retry finds them done.
                connection.setAutoCommit(true);
                Map<String, LinkedHashMap<String, StagingColumn>> sourceColumns = new HashMap<>();
                for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
                    sourceColumns.put(table.getKey(), ensureColumns(connection, table.getKey(), table.getValue()));
                }
                schemaSettled();
                if (refused != null) {
                    throw new SQLException(refused);
                }
                // Taken apart after the bounded attempts, then again after twice as many, and so on: a warehouse
                // that refuses every write for a long time is not bisected at every retry.
                if (failedWrites >= writeAttempts && failedWrites % writeAttempts == 0
                        && Integer.bitCount(failedWrites / writeAttempts) == 1) {
                    tables = withoutPoison(connection, tables, sourceColumns, loadedAt, deadLetters);
                }
                connection.setAutoCommit(false);
                for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
                    writeTable(connection, table.getKey(), table.getValue(), sourceColumns.get(table.getKey()),
                            loadedAt, deadLetters);
                }
                writeDeadLetters(connection, deadLetters);
                if (offsets != null) {
                    writeOffsets(connection, offsets, loadedAt);
                }
                connection.commit();
                schemaSettled();
                for (DeadLetter letter : deadLetters.subList(batch.deadLetters().size(), deadLetters.size())) {
                    LOG.warnf("Dead letter: event of %s at LSN %s: %s", letter.table(), letter.lsn(), letter.error());
                    registry.counter("pipeline.dead.letters", "table", letter.table(), "stage", "staging").increment();
                }
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
        if (!batch.changes().isEmpty()) {
            lastLoadedAt = loadedAt;
        }
        writeTimer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        batchRows.record(batch.changes().size());
        rowsWritten.addAndGet(batch.changes().size());
        batchesWritten.incrementAndGet();
        lastBatchAt = OffsetDateTime.now(ZoneOffset.UTC);
        long committedMicros = java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, lastBatchAt.toInstant());
        for (StagedChange change : batch.changes()) {
            lastStagedLsn = Math.max(lastStagedLsn, change.lsn());
            // Snapshot rows carry the snapshot's own transaction id, which says nothing about what was streamed.
            if (change.transactionId() != null && !"r".equals(change.operation())) {
                streamedTransactionWritten = Math.max(streamedTransactionWritten, change.transactionId());
            }
            if (change.sourceTimestamp() != null && !"r".equals(change.operation())) {
                long sourceMicros = java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH,
                        change.sourceTimestamp().toInstant());
                commitToStaging.record(Math.max(0, committedMicros - sourceMicros), java.util.concurrent.TimeUnit.MICROSECONDS);
            }
        }
        if (offsets != null) {
            // Offsets are stored only when the engine stands at a transaction end: every change written so far
            // belongs to a transaction staged whole. (A batch without offsets may end inside a large transaction,
            // whose id must not show before all of it is in.)
            lastStagedTransactionId = Math.max(lastStagedTransactionId, streamedTransactionWritten);
        }
        LOG.debugf("Staged %d changes and %d dead letters in %d ms (offsets %s)", batch.changes().size(),
                batch.deadLetters().size(), (System.nanoTime() - started) / 1_000_000, offsets == null ? "kept" : "stored");
    }

    /**
     * The batch without the changes that cannot be written on their own, found by writing each table's changes,
     * then halves of them, in transactions rolled back, down to single changes; those become dead letters (in
     * fail-fast mode the write fails naming the table and the change instead). Runs after
     * {@code pipeline.staging.write-attempts} failures in a row: a write that retrying cannot cure (a value a
     * warehouse column rejects, a staging column changed by hand) must not hold back everything after it.
     * When the warehouse itself refuses every write, no change fails alone where the batch would pass, nothing
     * is set aside, and the write is retried as before.
     */
    private Map<String, List<StagedChange>> withoutPoison(Connection connection, Map<String, List<StagedChange>> tables,
                                                          Map<String, LinkedHashMap<String, StagingColumn>> sourceColumns,
                                                          OffsetDateTime loadedAt, List<DeadLetter> deadLetters)
            throws SQLException {
        connection.setAutoCommit(false);
        Map<String, List<StagedChange>> kept = new LinkedHashMap<>();
        for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
            Map<StagedChange, String> poison = new java.util.IdentityHashMap<>();
            // Not the changes when the table takes no write at all (a missing grant, a read-only warehouse).
            if (takesWrites(connection, table.getKey())) {
                isolate(connection, table.getKey(), table.getValue(), sourceColumns.get(table.getKey()), loadedAt, poison);
                // Each one failed once on its own: only one that fails again is set aside, not one that met a
                // passing fault of the warehouse.
                poison.keySet().removeIf(change -> writes(connection, table.getKey(), List.of(change),
                        sourceColumns.get(table.getKey()), loadedAt) == null);
            }
            if (poison.isEmpty()) {
                kept.put(table.getKey(), table.getValue());
                continue;
            }
            Map.Entry<StagedChange, String> first = poison.entrySet().stream()
                    .min(java.util.Comparator.comparingLong(entry -> entry.getKey().lsn())).orElseThrow();
            if (!deadLetterEnabled) {
                // Fail fast: this is what readiness says from now on, until the cause is fixed and a restart.
                refused = "staging " + table.getKey() + " refuses the change at LSN " + first.getKey().lsn()
                        + " (key " + keyJson(first.getKey()) + ") after " + failedWrites + " attempts: " + first.getValue()
                        + "; nothing after it is committed (pipeline.staging.dead-letter-enabled=false) until the cause "
                        + "is fixed and the pipeline restarted";
                throw new SQLException(refused);
            }
            List<StagedChange> rest = new ArrayList<>();
            for (StagedChange change : table.getValue()) {
                String error = poison.get(change);
                if (error == null) {
                    rest.add(change);
                } else {
                    deadLetters.add(new DeadLetter(table.getKey(), keyJson(change), change.lsn(), payloadJson(change),
                            "not stageable after " + failedWrites + " attempts: " + error, loadedAt));
                }
            }
            if (!rest.isEmpty()) {
                kept.put(table.getKey(), rest);
            }
        }
        return kept;
    }

    /** Whether a staging table takes a write at all: a row it holds, written again and rolled back. */
    private boolean takesWrites(Connection connection, String table) {
        WarehouseDialect dialect = warehouse.dialect();
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.statement("write-probe", Map.of("table",
                    dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table))));
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Staging %s takes no write: %s", table, e.getMessage());
            return false;
        } finally {
            rollbackQuietly(connection);
        }
    }

    /** Writes changes of one table in a transaction rolled back: null when that works, else the error. */
    private String writes(Connection connection, String table, List<StagedChange> changes,
                          LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt) {
        Long horizon = replayHorizon.get(table);
        try {
            writeTable(connection, table, changes, sourceColumns, loadedAt, new ArrayList<>());
            return null;
        } catch (SQLException | RuntimeException e) {
            return io.livewarehouse.support.Messages.of(e);
        } finally {
            rollbackQuietly(connection);
            replayHorizon.put(table, horizon);
            recordedKeys.remove(table);
        }
    }

    /** Finds the changes of one table that fail to be written on their own (see {@link #withoutPoison}). */
    private void isolate(Connection connection, String table, List<StagedChange> changes,
                         LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt,
                         Map<StagedChange, String> poison) {
        String error = writes(connection, table, changes, sourceColumns, loadedAt);
        if (error == null) {
            return;
        }
        if (changes.size() == 1) {
            poison.put(changes.get(0), error);
            return;
        }
        int half = changes.size() / 2;
        isolate(connection, table, changes.subList(0, half), sourceColumns, loadedAt, poison);
        isolate(connection, table, changes.subList(half, changes.size()), sourceColumns, loadedAt, poison);
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
    public synchronized List<SnapshotCopy> writeSnapshotCopy(SnapshotCopy.Tables tables, Map<String, String> offsets,
                                                             long lsn, long transactionId, OffsetDateTime sourceTime,
                                                             String hashSalt, String reason)
            throws SQLException {
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        List<SnapshotCopy> copies = new ArrayList<>();
        ensureSchemas();
        WarehouseDialect dialect = warehouse.dialect();
        // Changes held for a table's own snapshot (see hold) are older than this snapshot, which takes every
        // table: they are given the load time before it, and the table's own snapshot is no longer needed.
        OffsetDateTime heldAt = nextLoadTime();
        OffsetDateTime loadedAt = heldAt.plusNanos(1000);
        List<String> released = new ArrayList<>();
        long rows = 0;
        // Snowflake: every table's file is uploaded, and its staging table created, before the transaction.
        List<SnapshotCopy> uploaded;
        try {
            uploaded = fileLoad.uploadsFirst() ? uploadAll(tables) : List.of();
        } catch (SQLException | RuntimeException e) {
            lastWriteError = io.livewarehouse.support.Messages.of(e);
            throw e;
        }
        SnapshotCopy.Tables toStage = fileLoad.uploadsFirst() ? inOrder(uploaded) : tables;
        try (Connection connection = warehouse.connect()) {
            connection.setAutoCommit(false);
            try {
                // One table at a time: its CSV file is loaded and removed before the next is copied, so the
                // temporary space needed is that of the largest table, not of the whole source.
                for (SnapshotCopy copy = nextTable(toStage); copy != null; copy = nextTable(toStage)) {
                    String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(copy.table());
                    ensureTable(connection, copy.table(), qualified, copy.columns());
                    recordKey(connection, copy.table(), copy.keyColumns());
                    long horizon = replayHorizon.get(copy.table());
                    String source = copy.schema() + "." + copy.table();
                    if (pending.containsKey(source)) {
                        try (PreparedStatement release = connection.prepareStatement(
                                dialect.statement("release-held-changes", Map.of("table", qualified)));
                             PreparedStatement done = connection.prepareStatement(dialect.statement("delete-resync"))) {
                            dialect.bind(release, 1, heldAt);
                            release.executeUpdate();
                            done.setString(1, source);
                            done.executeUpdate();
                        }
                        released.add(source);
                    }
                    insertCopy(connection, copy, qualified, lsn, transactionId, sourceTime, loadedAt, hashSalt);
                    copies.add(copy.withInvalidValues(invalidValues(connection, qualified, loadedAt)));
                    long vanished = 0;
                    if (horizon != Long.MIN_VALUE) {
                        // The table was staged before: a new generation. Its older rows are its history.
                        vanished = stageVanishedKeys(connection, copy.table(), qualified, copy.keyColumns(), lsn,
                                transactionId, sourceTime, loadedAt);
                    }
                    recordSync(connection, copy.schema() + "." + copy.table(), reason, started, copy.rows(), vanished, lsn);
                    replayHorizon.put(copy.table(), Math.max(horizon, lsn));
                    rows += copy.rows();
                    try {
                        java.nio.file.Files.deleteIfExists(copy.file());
                    } catch (java.io.IOException e) {
                        LOG.warnf("Could not remove the snapshot file %s: %s", copy.file(), e.getMessage());
                    }
                }
                writeOffsets(connection, offsets, loadedAt);
                connection.commit();
                schemaSettled();
                generation.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                forgetWarehouseState();
                reloadHeld();
                lastWriteError = io.livewarehouse.support.Messages.of(e);
                throw e;
            } finally {
                fileLoad.dropLoads(uploaded);
            }
        }
        released.forEach(source -> {
            pending.remove(source);
            held.remove(stagingTableOf(source));
        });
        lastWriteError = null;
        lastLoadedAt = loadedAt;
        rowsWritten.addAndGet(rows);
        batchesWritten.incrementAndGet();
        lastBatchAt = OffsetDateTime.now(ZoneOffset.UTC);
        lastStagedLsn = Math.max(lastStagedLsn, lsn);
        return copies;
    }

    /** Per column, the rows of this snapshot load staged with their value in _cdc_invalid. */
    /** Loads one table's CSV copy into its staging table as snapshot rows at {@code lsn}, loaded at {@code loadedAt}. */
    private void insertCopy(Connection connection, SnapshotCopy copy, String qualified, long lsn, long transactionId,
                            OffsetDateTime sourceTime, OffsetDateTime loadedAt, String hashSalt) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
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
    private long stageVanishedKeys(Connection connection, String table, String qualified, List<String> keyColumns,
                                   long lsn, long transactionId, OffsetDateTime sourceTime, OffsetDateTime generation)
            throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
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

    /** One row of the sync log, in the transaction that staged the snapshot. */
    private void recordSync(Connection connection, String table, String reason, OffsetDateTime started, long rows,
                            long vanished, long lsn) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(warehouse.dialect().statement("insert-table-sync"))) {
            insert.setString(1, table);
            insert.setString(2, reason);
            warehouse.dialect().bind(insert, 3, started);
            warehouse.dialect().bind(insert, 4, OffsetDateTime.now(ZoneOffset.UTC));
            insert.setLong(5, rows);
            insert.setLong(6, vanished);
            insert.setLong(7, lsn);
            insert.executeUpdate();
        }
    }

    private Map<String, Long> invalidValues(Connection connection, String qualified, OffsetDateTime loadedAt)
            throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (PreparedStatement count = connection.prepareStatement(
                warehouse.dialect().statement("count-invalid-values", Map.of("table", qualified)))) {
            warehouse.dialect().bind(count, 1, loadedAt);
            try (ResultSet rows = count.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return counts;
    }

    /**
     * The load time of the next batch: now, but always later than the last batch's even if the clock steps
     * back, because mart models read staging incrementally by load time.
     */
    private OffsetDateTime nextLoadTime() {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return lastLoadedAt != null && !now.isAfter(lastLoadedAt) ? lastLoadedAt.plusNanos(1000) : now;
    }

    /**
     * After a failed warehouse transaction: the DDL caches may be ahead of the warehouse, and a failed commit
     * may still have landed (DuckDB, disk full: "Failed to commit" with the rows kept in memory), so columns,
     * recorded keys and replay horizons are read again next time; the retry then removes any copy it adds.
     */
    private void forgetWarehouseState() {
        knownColumns.clear();
        columnIdentity.forget();
        recordedKeys.clear();
        replayHorizon.clear();
        schemaSettled();
    }

    /**
     * After a transaction that changed staging columns has ended either way: readers that keep column lists
     * ({@link StagingCatalog#schemaVersion}) read them again. Not at the DDL itself: other connections see it
     * only once committed.
     */
    private void schemaSettled() {
        if (schemaTouched) {
            schemaTouched = false;
            StagingCatalog.schemaChanged();
        }
    }

    /**
     * Snowflake, before the staging transaction: each table copied in turn, its staging table created or
     * evolved (DDL, which would commit an open transaction) and its file uploaded (see {@link SnapshotFileLoad}).
     * Only one table's file is on local disk at a time.
     */
    private List<SnapshotCopy> uploadAll(SnapshotCopy.Tables tables) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        List<SnapshotCopy> uploaded = new ArrayList<>();
        try (Connection connection = warehouse.connect()) {
            try {
                for (SnapshotCopy copy = nextTable(tables); copy != null; copy = nextTable(tables)) {
                    String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(copy.table());
                    ensureTable(connection, copy.table(), qualified, copy.columns());
                    // Listed before its load table exists, so that a failed upload drops that table too.
                    uploaded.add(copy);
                    fileLoad.upload(connection, copy);
                }
            } catch (SQLException | RuntimeException e) {
                forgetWarehouseState();
                fileLoad.dropLoads(uploaded);
                throw e;
            } finally {
                schemaSettled();
            }
        }
        return uploaded;
    }

    private static Object single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getObject(1);
        }
    }

    /** Tables already copied, one after the other. */
    private static SnapshotCopy.Tables inOrder(List<SnapshotCopy> copies) {
        java.util.Iterator<SnapshotCopy> next = copies.iterator();
        return () -> next.hasNext() ? next.next() : null;
    }

    private static SnapshotCopy nextTable(SnapshotCopy.Tables tables) throws SQLException {
        try {
            return tables.next();
        } catch (java.io.IOException e) {
            throw new SQLException("snapshot copy: " + e.getMessage(), e);
        }
    }

    /** The offsets stored with the last committed batch. */
    public synchronized Map<String, String> readOffsets() throws SQLException {
        ensureSchemas();
        WarehouseDialect dialect = warehouse.dialect();
        Map<String, String> offsets = new LinkedHashMap<>();
        try (Connection connection = warehouse.connect();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(dialect.statement("read-offsets"))) {
            while (rows.next()) {
                offsets.put(rows.getString(1), rows.getString(2));
            }
        }
        return offsets;
    }

    /** A staging table's columns and types as the warehouse has them (empty when there is no such table). */
    public synchronized Map<String, ColumnType> stagedColumns(String table) throws SQLException {
        try (Connection connection = warehouse.connect()) {
            return readColumns(connection, table);
        }
    }

    /** The warehouse's dialect, for what the capture asks of it before staging anything. */
    public io.livewarehouse.warehouse.WarehouseDialect dialect() {
        return warehouse.dialect();
    }

    public long rowsWritten() {
        return rowsWritten.get();
    }

    public long batchesWritten() {
        return batchesWritten.get();
    }

    public OffsetDateTime lastBatchAt() {
        return lastBatchAt;
    }

    /** Why the last write failed, or null when it succeeded. */
    public String lastWriteError() {
        return lastWriteError;
    }

    /** Highest source LSN written to staging by this process. */
    public long lastStagedLsn() {
        return lastStagedLsn;
    }

    /**
     * The source transaction up to which staging holds every change, as of the offsets this process stored
     * last (0 before any): any transaction with an id up to it that committed before it is staged whole.
     */
    public long lastStagedTransactionId() {
        return lastStagedTransactionId;
    }

    private void ensureSchemas() throws SQLException {
        setup.ensure();
    }

    /**
     * Creates the staging table or adds and widens its columns for this batch's changes (nothing when the
     * columns are known); returns the batch's source columns, in order of first appearance.
     */
    private LinkedHashMap<String, StagingColumn> ensureColumns(Connection connection, String table, List<StagedChange> changes)
            throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        // A schema change mid-batch adds columns. Every (column, type) pair is checked, so a type change
        // mid-batch is seen too. Events of one table share their column list until the table changes: each
        // list is looked at once.
        LinkedHashMap<String, StagingColumn> sourceColumns = new LinkedHashMap<>();
        List<StagingColumn> distinctTyped = new ArrayList<>();
        Map<List<StagingColumn>, Boolean> columnLists = new java.util.IdentityHashMap<>();
        for (StagedChange change : changes) {
            if (columnLists.put(change.columns(), Boolean.TRUE) != null) {
                continue;
            }
            for (StagingColumn column : change.columns()) {
                sourceColumns.putIfAbsent(column.name(), column);
                if (!distinctTyped.contains(column)) {
                    distinctTyped.add(column);
                }
            }
        }
        ensureTable(connection, table, dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table), distinctTyped);
        return sourceColumns;
    }

    private static Map<String, List<StagedChange>> byTable(List<StagedChange> changes) {
        return changes.stream().collect(Collectors.groupingBy(StagedChange::table, LinkedHashMap::new, Collectors.toList()));
    }

    /** Appends one table's changes; {@code sourceColumns} is what {@link #ensureColumns} made the table hold. */
    private void writeTable(Connection connection, String table, List<StagedChange> changes,
                            LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt,
                            List<DeadLetter> deadLetters) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table);
        recordKey(connection, table, changes.get(0).keyColumns());
        Map<String, ColumnType> tableTypes = knownColumns.get(table);
        List<StagedChange> writable = new ArrayList<>(changes.size());
        Map<List<StagingColumn>, java.util.Optional<String>> problems = new java.util.IdentityHashMap<>();
        for (StagedChange change : changes) {
            String problem = problems.computeIfAbsent(change.columns(),
                    columns -> java.util.Optional.ofNullable(typeProblem(change, tableTypes))).orElse(null);
            if (problem == null) {
                writable.add(change);
            } else {
                if (!deadLetterEnabled) {
                    // Fail fast: nothing of this batch is stored and its offsets are not committed.
                    throw new SQLException(problem + " (pipeline.staging.dead-letter-enabled=false)");
                }
                deadLetters.add(new DeadLetter(table, keyJson(change), change.lsn(), payloadJson(change), problem, loadedAt));
            }
        }
        if (writable.isEmpty()) {
            return;
        }
        changes = writable;

        List<StagingColumn> columns = new ArrayList<>(sourceColumns.values());
        columns.addAll(CdcColumns.ALL);
        // Rows are built in the table's own column order, which appending by position needs.
        List<StagingColumn> tableOrder = tableColumnOrder(table, columns);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < tableOrder.size(); i++) {
            position.put(tableOrder.get(i).name(), i);
        }
        int[] cdc = CdcColumns.ALL.stream().mapToInt(column -> position.get(column.name())).toArray();
        List<Object[]> rows = new ArrayList<>(changes.size());
        // Streamed changes of one table normally arrive with rising LSNs. A replay (the engine or its task
        // restarted from stored offsets, which can lie before rows already written without offsets, or before
        // rows still buffered) brings LSNs at or below ones already seen; so do interleaved transactions.
        // Either way the batch is checked for copies; otherwise the check is skipped.
        long firstStreamedLsn = Long.MAX_VALUE;
        long highestLsn = Long.MIN_VALUE;
        boolean streamedRising = true;
        boolean snapshotRows = false;
        Map<List<StagingColumn>, int[]> placements = new java.util.IdentityHashMap<>();
        // Per column list, the staging types its values must be converted to (null where they already match).
        Map<List<StagingColumn>, ColumnType[]> conversions = new java.util.IdentityHashMap<>();
        Map<String, ColumnType> stagedTypes = knownColumns.get(table);
        // A table waiting for its new snapshot: its changes are staged without a load time until then.
        boolean holding = held.contains(table);
        for (StagedChange change : changes) {
            Object[] row = new Object[tableOrder.size()];
            int[] placement = placements.computeIfAbsent(change.columns(), list -> list.stream()
                    .mapToInt(column -> position.get(columnIdentity.resolveKnown(table, column, position.keySet())))
                    .toArray());
            ColumnType[] convert = conversions.computeIfAbsent(change.columns(), list -> {
                ColumnType[] types = new ColumnType[list.size()];
                boolean any = false;
                for (int i = 0; i < types.length; i++) {
                    ColumnType staged = stagedTypes.get(tableOrder.get(placement[i]).name());
                    if (staged != null && !staged.equals(list.get(i).type())) {
                        types[i] = staged;
                        any = true;
                    }
                }
                return any ? types : null;
            });
            for (int i = 0; i < placement.length; i++) {
                Object value = change.values()[i];
                row[placement[i]] = convert == null || convert[i] == null ? value : TypeWidening.widened(convert[i], value);
            }
            row[cdc[0]] = change.operation();
            row[cdc[1]] = change.lsn();
            row[cdc[2]] = change.sequence();
            row[cdc[3]] = change.transactionId();
            row[cdc[4]] = change.sourceTimestamp();
            row[cdc[5]] = holding ? null : loadedAt;
            row[cdc[6]] = change.deleted();
            row[cdc[7]] = change.unavailableColumns().isEmpty() ? null : toJson(change.unavailableColumns());
            row[cdc[8]] = PgJson.object(change.invalidValues());
            rows.add(row);
            if ("r".equals(change.operation())) {
                snapshotRows = true;
            } else {
                streamedRising &= change.lsn() > highestLsn;
                firstStreamedLsn = Math.min(firstStreamedLsn, change.lsn());
            }
            highestLsn = Math.max(highestLsn, change.lsn());
        }
        // What tells a replayed change from a new one: its key, LSN and operation; for a table keyed by its whole
        // row also its order in the transaction, since identical rows copied in one statement share an LSN.
        List<String> changeIdentity = replayIdentity(changes.get(0));
        if (!streamedRising) {
            rows = withoutCopies(table, rows, changeIdentity.stream().mapToInt(position::get).toArray(), cdc);
        }
        dialect.append(connection, dialect.stagingSchema(), table, tableOrder, rows);

        // The horizon is the highest LSN this table held before this batch (read when the stream started, kept
        // up to date by every write). A snapshot into a table that already had rows may be a redone,
        // interrupted snapshot.
        long horizon = replayHorizon.get(table);
        List<String> keyColumns = changes.get(0).keyColumns();
        if (firstStreamedLsn != Long.MAX_VALUE && (firstStreamedLsn <= horizon || !streamedRising)) {
            removeReplayed(connection, table, "delete-replayed-changes", qualified, changeIdentity, firstStreamedLsn);
        }
        if (snapshotRows && horizon != Long.MIN_VALUE) {
            removeReplayed(connection, table, "delete-replayed-snapshot", qualified, keyColumns, null);
        }
        // Cleared if this transaction fails.
        replayHorizon.put(table, Math.max(horizon, highestLsn));
    }

    /** The key columns, and _cdc_seq too when the key is every source column (see {@link #writeTable}). */
    private static List<String> replayIdentity(StagedChange change) {
        boolean wholeRow = change.columns().stream().allMatch(column -> change.keyColumns().contains(column.name()));
        if (!wholeRow) {
            return change.keyColumns();
        }
        List<String> identity = new ArrayList<>(change.keyColumns());
        identity.add(CdcColumns.SEQ);
        return identity;
    }

    /**
     * The rows without the later copies of a streamed change the batch holds twice (same key, LSN and
     * operation): a replay that began while the first delivery was still buffered. Dropped here, so the
     * delete-replayed statements only meet copies from earlier batches, which every warehouse can tell apart
     * by load time (Snowflake has no row id).
     */
    private static List<Object[]> withoutCopies(String table, List<Object[]> rows, int[] keyPositions, int[] cdc) {
        java.util.Set<List<Object>> seen = new java.util.HashSet<>();
        List<Object[]> kept = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            if ("r".equals(row[cdc[0]])) {
                kept.add(row);
                continue;
            }
            List<Object> identity = new ArrayList<>(keyPositions.length + 2);
            identity.add(row[cdc[0]]);
            identity.add(row[cdc[1]]);
            for (int position : keyPositions) {
                Object value = row[position];
                identity.add(value instanceof byte[] bytes ? java.nio.ByteBuffer.wrap(bytes) : value);
            }
            if (seen.add(identity)) {
                kept.add(row);
            }
        }
        if (kept.size() < rows.size()) {
            LOG.infof("Staging %s: %d replayed events were in the batch twice and were added once", table,
                    rows.size() - kept.size());
        }
        return kept;
    }

    /** Runs one of the dialect's delete-replayed statements on a staging table; {@code fromLsn} when it takes one. */
    private void removeReplayed(Connection connection, String table, String statement, String qualified,
                                List<String> keyColumns, Long fromLsn) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        String keys = keyColumns.stream().map(column -> ", " + dialect.quote(column)).collect(Collectors.joining());
        // NULL matches NULL: tables without primary key can be keyed by columns that may be NULL.
        String match = keyColumns.stream().map(column -> " and t." + dialect.quote(column) + " is not distinct from copies."
                        + dialect.quote(column))
                .collect(Collectors.joining());
        String sql = dialect.statement(statement, Map.of("table", qualified, "key_columns", keys, "key_match", match));
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            if (fromLsn != null) {
                delete.setLong(1, fromLsn);
            }
            int removed = delete.executeUpdate();
            if (removed > 0) {
                LOG.infof("Staging %s: %d replayed events were already stored and were not added again", table, removed);
            }
        }
    }

    private void ensureTable(Connection connection, String table, String qualified, List<StagingColumn> sourceColumns)
            throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Map<String, ColumnType> existing = knownColumns.get(table);
        if (existing == null) {
            existing = readColumns(connection, table);
            if (existing.isEmpty()) {
                LinkedHashMap<String, StagingColumn> first = new LinkedHashMap<>();
                sourceColumns.forEach(column -> first.putIfAbsent(column.name(), column));
                List<StagingColumn> all = new ArrayList<>(first.values());
                all.addAll(CdcColumns.ALL);
                String definition = all.stream()
                        .map(column -> dialect.quote(column.name()) + " " + dialect.typeOf(column.type()))
                        .collect(Collectors.joining(",\n    "));
                try (Statement statement = connection.createStatement()) {
                    schemaTouched = true;
                    statement.execute(dialect.statement("create-staging-table", Map.of("table", qualified, "columns", definition)));
                }
                LOG.infof("Staging: created table %s with %d source columns", qualified, first.size());
                for (StagingColumn column : first.values()) {
                    columnIdentity.record(connection, dialect, table, column.name(), column.sourcePosition());
                }
                existing = readColumns(connection, table);
                replayHorizon.put(table, Long.MIN_VALUE);
            } else {
                addMissingCdcColumns(connection, qualified, existing);
            }
            if (!replayHorizon.containsKey(table)) {
                try (PreparedStatement statement = connection.prepareStatement(
                        dialect.statement("staging-high-water", Map.of("table", qualified)));
                     ResultSet row = statement.executeQuery()) {
                    row.next();
                    long max = row.getLong(1);
                    replayHorizon.put(table, row.wasNull() ? Long.MIN_VALUE : max);
                }
            }
            knownColumns.put(table, existing);
        }
        // Renames first: a column renamed and another added under its old name come in one table schema.
        for (StagingColumn column : sourceColumns) {
            String renamedFrom = columnIdentity.renamedFrom(connection, dialect, table, column, existing.keySet());
            if (renamedFrom != null) {
                // RENAME COLUMN at the source: the column keeps its values, under its new name.
                try (Statement statement = connection.createStatement()) {
                    schemaTouched = true;
                    statement.execute(dialect.statement("rename-column", Map.of("table", qualified,
                            "column", dialect.quote(renamedFrom), "new_name", dialect.quote(column.name()))));
                }
                Map<String, ColumnType> renamed = new LinkedHashMap<>();
                existing.forEach((old, type) -> renamed.put(old.equals(renamedFrom) ? column.name() : old, type));
                existing.clear();
                existing.putAll(renamed);
                columnIdentity.record(connection, dialect, table, column.name(), column.sourcePosition());
                LOG.infof("Staging: renamed column %s of %s to %s", renamedFrom, qualified, column.name());
            }
        }
        for (StagingColumn column : sourceColumns) {
            String name = columnIdentity.resolve(connection, dialect, table, column, existing.keySet());
            ColumnType current = existing.get(name);
            if (current != null && name.equals(column.name())) {
                columnIdentity.record(connection, dialect, table, name, column.sourcePosition());
            }
            if (current == null) {
                // ADD COLUMN at the source: older rows read NULL, or the column's default when it was added with
                // one (as every existing row reads it at the source, without a change event).
                String literal = column.defaultValue() == null ? null : dialect.literal(column.type(), column.defaultValue());
                try (Statement statement = connection.createStatement()) {
                    schemaTouched = true;
                    statement.execute(literal == null
                            ? dialect.statement("add-column", Map.of("table", qualified,
                                    "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type())))
                            : dialect.statement("add-column-with-default", Map.of("table", qualified,
                                    "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type()),
                                    "default", literal)));
                }
                existing.put(column.name(), column.type());
                columnIdentity.record(connection, dialect, table, column.name(), column.sourcePosition());
                LOG.infof("Staging: added column %s %s%s to %s", column.name(), dialect.typeOf(column.type()),
                        literal == null ? "" : " default " + literal, qualified);
            } else if (!TypeWidening.canHold(current, column.type()) && TypeWidening.canHold(column.type(), current)) {
                // A widening type change at the source (integer to bigint, numeric(5,2) to numeric(7,2)).
                try (Statement statement = connection.createStatement()) {
                    schemaTouched = true;
                    statement.execute(dialect.statement("widen-column", Map.of("table", qualified,
                            "column", dialect.quote(name), "type", dialect.typeOf(column.type()))));
                }
                existing.put(name, column.type());
                LOG.infof("Staging: widened column %s of %s from %s to %s", name, qualified,
                        dialect.typeOf(current), dialect.typeOf(column.type()));
            }
            // Any other type change leaves the column as it is; the events carrying it are dead-lettered.
        }
    }

    /**
     * A staging table made by an earlier version lacks the CDC columns added since (_cdc_invalid): add them,
     * NULL for the rows already there.
     */
    private void addMissingCdcColumns(Connection connection, String qualified, Map<String, ColumnType> existing)
            throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        for (StagingColumn column : CdcColumns.ALL) {
            if (!existing.containsKey(column.name())) {
                try (Statement statement = connection.createStatement()) {
                    schemaTouched = true;
                    statement.execute(dialect.statement("add-column", Map.of("table", qualified,
                            "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type()))));
                }
                existing.put(column.name(), column.type());
                LOG.infof("Staging: added column %s to %s", column.name(), qualified);
            }
        }
    }

    /** Records the table's key once per process, for the models that keep its current state. */
    private void recordKey(Connection connection, String table, List<String> keyColumns) throws SQLException {
        String joined = String.join(",", keyColumns);
        if (joined.equals(recordedKeys.get(table))) {
            return;
        }
        WarehouseDialect dialect = warehouse.dialect();
        try (PreparedStatement delete = connection.prepareStatement(dialect.statement("delete-staging-table"));
             PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-staging-table"))) {
            delete.setString(1, table);
            delete.executeUpdate();
            insert.setString(1, table);
            insert.setString(2, joined);
            insert.executeUpdate();
        }
        recordedKeys.put(table, joined);
    }

    /** Why a change cannot go into the staging table as it is, or null when it can. */
    private String typeProblem(StagedChange change, Map<String, ColumnType> tableTypes) {
        WarehouseDialect dialect = warehouse.dialect();
        for (StagingColumn column : change.columns()) {
            ColumnType staged = tableTypes.get(column.name());
            if (staged != null && !TypeWidening.canHold(staged, column.type())) {
                return "type change of source column " + change.table() + "." + column.name() + ": staging has "
                        + dialect.typeOf(staged) + ", the event carries " + dialect.typeOf(column.type())
                        + ", which cannot be widened safely; fix the staging column or the source, then replay";
            }
        }
        return null;
    }

    private static String keyJson(StagedChange change) {
        Map<String, Object> key = new LinkedHashMap<>();
        for (int i = 0; i < change.columns().size(); i++) {
            if (change.keyColumns().contains(change.columns().get(i).name())) {
                key.put(change.columns().get(i).name(), String.valueOf(change.values()[i]));
            }
        }
        return toJson(key);
    }

    private static String payloadJson(StagedChange change) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("op", change.operation());
        payload.put("lsn", change.lsn());
        payload.put("seq", change.sequence());
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < change.columns().size(); i++) {
            row.put(change.columns().get(i).name(), change.values()[i] == null ? null : String.valueOf(change.values()[i]));
        }
        payload.put("row", row);
        return toJson(payload);
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "{}";
        }
    }

    private Map<String, ColumnType> readColumns(Connection connection, String table) throws SQLException {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        StagingCatalog.columns(connection, warehouse.dialect(), warehouse.dialect().stagingSchema(), table)
                .forEach((name, type) -> columns.put(name, warehouse.dialect().parseType(type)));
        return columns;
    }

    private List<StagingColumn> tableColumnOrder(String table, List<StagingColumn> batchColumns) {
        Map<String, StagingColumn> byName = new HashMap<>();
        java.util.Set<String> names = knownColumns.get(table).keySet();
        batchColumns.forEach(column -> byName.putIfAbsent(columnIdentity.resolveKnown(table, column, names), column));
        List<StagingColumn> order = new ArrayList<>();
        for (String name : knownColumns.get(table).keySet()) {
            // A column the batch does not carry (dropped at the source) is appended as NULL.
            order.add(byName.getOrDefault(name, new StagingColumn(name, null)));
        }
        return order;
    }

    private void writeDeadLetters(Connection connection, List<DeadLetter> deadLetters) throws SQLException {
        if (deadLetters.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(warehouse.dialect().statement("insert-dead-letter"))) {
            for (DeadLetter letter : deadLetters) {
                insert.setString(1, letter.table());
                insert.setString(2, letter.keyJson());
                warehouse.dialect().bind(insert, 3, letter.lsn());
                insert.setString(4, letter.payloadJson());
                insert.setString(5, letter.error());
                warehouse.dialect().bind(insert, 6, letter.failedAt());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private void writeOffsets(Connection connection, Map<String, String> offsets, OffsetDateTime at) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        try (PreparedStatement delete = connection.prepareStatement(dialect.statement("delete-offset"));
             PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-offset"))) {
            for (Map.Entry<String, String> offset : offsets.entrySet()) {
                delete.setString(1, offset.getKey());
                delete.executeUpdate();
                insert.setString(1, offset.getKey());
                insert.setString(2, offset.getValue());
                warehouse.dialect().bind(insert, 3, at);
                insert.executeUpdate();
            }
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback failed after a failed staging write", e);
        }
    }
}
