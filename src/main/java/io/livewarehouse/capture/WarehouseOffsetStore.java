package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.staging.StagingWriter;
import io.quarkus.arc.Arc;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.util.Callback;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Debezium's offset store, kept in the warehouse: the engine's door into the {@link StagingCommit} protocol.
 *
 * <p>Why here: the Camel Debezium consumer marks a record processed as soon as the route returns, and the
 * engine commits processed offsets both on its commit policy and whenever it stops (graceful stop, route
 * reload, failure). Every one of those commits goes through {@link #set}, which hands it to
 * {@link StagingCommit#commit} (rows and offsets in one warehouse transaction) and fails the returned future
 * when that write fails: the engine then keeps its offsets and the replication slot does not advance. Its
 * {@link #start} prepares the stream (tables checked and published, a lost slot, the snapshot by COPY).
 *
 * <p>Instantiated by Debezium by class name (endpoint option {@code offsetStorage}); reaches the CDI beans
 * through Arc.
 */
public class WarehouseOffsetStore implements OffsetBackingStore {

    private static final Logger LOG = Logger.getLogger(WarehouseOffsetStore.class);

    private StagingWriter writer;
    private CaptureStatus capture;
    private StagingCommit commit;
    /**
     * The offsets as this store last read or wrote them. Only this process writes this capture's offsets
     * (one process per replication slot), so when the warehouse does not answer a read (Debezium reads
     * offsets again while streaming, at commits), this copy is what it holds: the stream goes on waiting for
     * the warehouse instead of the engine failing.
     */
    private final Map<String, String> latest = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean read;

    @Override
    public void configure(WorkerConfig config) {
        // Everything comes from the application's configuration.
    }

    @Override
    public void start() {
        writer = Arc.container().instance(StagingWriter.class).get();
        capture = Arc.container().instance(CaptureStatus.class).get();
        commit = Arc.container().instance(StagingCommit.class).get();
        // A warehouse that is briefly busy or unreachable must not end the change stream: try a few times.
        for (int attempt = 1; ; attempt++) {
            try {
                prepare();
                capture.engineStarted();
                Arc.container().instance(TableResync.class).get().streamStarted();
                return;
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof CapturedTables.Refused refused) {
                    capture.engineRefused(refused.getMessage());
                    throw e;
                }
                if (attempt == 5) {
                    capture.engineStopped("could not start: " + io.livewarehouse.support.Messages.of(e));
                    throw e;
                }
                LOG.warnf("Preparing the change stream failed (attempt %d of 5), retrying: %s", attempt, io.livewarehouse.support.Messages.of(e));
                try {
                    Thread.sleep(1000L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void prepare() {
        try {
            writer.streamStarting();
            // Stored offsets always sit at a transaction boundary: the numbering starts anew, and replica
            // identities are asked again (they may have changed while the stream was stopped).
            Arc.container().instance(TransactionSequencer.class).get().restart();
            Arc.container().instance(ReplicaIdentity.class).get().forget();
            // Built now, not at the first change: a pipeline.source.column-hash-list that does not parse refuses
            // the start instead of dead-lettering every change.
            Arc.container().instance(ColumnHashing.class).get().ready();
            PipelineSettings.Cdc cdc = PipelineSettings.current().cdc();
            String snapshotMode = cdc.snapshotMode();
            // Every captured table checked and published before a replication slot can exist.
            CapturedTables tables = Arc.container().instance(CapturedTables.class).get();
            holdAddedTables(tables);
            tables.prepare();
            capture.shapesChangedWhileStopped(shapesChanged(tables));
            Map<String, String> offsets = writer.readOffsets();
            UnfinishedSnapshotGuard.apply(offsets, snapshotMode,
                    cdc.slotName(),
                    Arc.container().instance(io.livewarehouse.source.SourceConnections.class).get());
            CopySnapshot copy = Arc.container().instance(CopySnapshot.class).get();
            if (resumesWhereStagingStopped(offsets, cdc, copy)) {
                // With snapshot-method=copy the snapshot is staged here, before Debezium reads the offsets it leaves.
                capture.snapshotCopied(copy.runIfNeeded(offsets, snapshotMode));
            }
            if (!offsets.isEmpty() && StagedPosition.of(offsets).snapshotFinished()) {
                capture.resumed();
            }
            Arc.container().instance(io.livewarehouse.warehouse.OperationLog.class).get().record("capture started", null,
                    "streams from " + org.postgresql.replication.LogSequenceNumber.valueOf(
                            StagedPosition.highestLsn(writer.readOffsets())).asString());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot prepare the change stream (warehouse offsets, source slot): " + io.livewarehouse.support.Messages.of(e), e);
        }
    }

    /**
     * Tables added to {@code pipeline.source.tables} since the publication was made: their changes are held
     * from now on (before the publication lists them, so none is missed) and {@link TableResync} copies each in
     * a snapshot of its own once the stream runs. Nothing to do before the first snapshot, which takes them all.
     */
    private void holdAddedTables(CapturedTables tables) throws java.sql.SQLException {
        Map<String, String> stored = writer.readOffsets();
        if (stored.isEmpty() || !StagedPosition.of(stored).snapshotFinished()) {
            return;
        }
        TableResync resync = Arc.container().instance(TableResync.class).get();
        var operations = Arc.container().instance(io.livewarehouse.warehouse.OperationLog.class).get();
        for (String cancelled : writer.cancelResyncsOf(tables.configured())) {
            operations.record("resync cancelled", cancelled, "removed from pipeline.source.tables before its new "
                    + "snapshot was staged: nothing more is captured (docs/operations.md: what happens to the changes "
                    + "held for it)");
        }
        for (String removed : tables.noLongerConfigured()) {
            operations.record("table no longer captured", removed, "removed from pipeline.source.tables: its staging "
                    + "table and marts stay as they are (docs/operations.md: how to drop them)");
        }
        for (String added : tables.notPublished()) {
            try {
                resync.requireCopies(added);
            } catch (IllegalStateException e) {
                throw new CapturedTables.Refused(added + " was added to pipeline.source.tables, and its rows must be copied: "
                        + e.getMessage() + "; remove it from pipeline.source.tables, or capture it with a new capture "
                        + "(pipeline.cdc.name, slot and publication of its own)");
            }
            if (writer.hold(added, io.livewarehouse.staging.StagingWriter.ADDED)) {
                operations.record("table added", added, "added to pipeline.source.tables: its existing rows are copied on their "
                                + "own while the other tables stream on");
            }
        }
    }

    /**
     * Whether the replication slot can go on where staging stopped (see {@link LostSlot}). When it cannot:
     * with {@code pipeline.cdc.on-lost-slot=resync} (the default) a new slot is made and every table gets a new
     * snapshot generation now, whose offsets replace the stored ones (returns false: nothing more to do); with
     * {@code refuse} the start is refused, naming the slot, the reason and the ways out.
     */
    private boolean resumesWhereStagingStopped(Map<String, String> offsets,
                                               PipelineSettings.Cdc cdc, CopySnapshot copy)
            throws java.sql.SQLException, java.io.IOException {
        if (offsets.isEmpty() || !StagedPosition.of(offsets).snapshotFinished()) {
            return true;
        }
        var source = Arc.container().instance(io.livewarehouse.source.SourceConnections.class).get();
        String slotName = cdc.slotName();
        String lost = LostSlot.reason(source, slotName, StagedPosition.highestLsn(offsets));
        if (lost == null) {
            return true;
        }
        String mode = cdc.onLostSlot();
        if ("refuse".equals(mode)) {
            capture.slotLost(lost, "pipeline.cdc.on-lost-slot=refuse: nothing is captured");
            throw new CapturedTables.Refused("the change stream cannot resume where staging stopped: " + lost
                    + ". Changes made since may be lost. With pipeline.cdc.on-lost-slot=resync the pipeline makes a new "
                    + "slot and takes a new snapshot of every captured table (keys gone at the source are deleted from "
                    + "the current state); or restore the slot and restart");
        }
        if (!"resync".equals(mode)) {
            throw new IllegalArgumentException("pipeline.cdc.on-lost-slot must be resync or refuse, not '" + mode + "'");
        }
        if (!copy.copies()) {
            capture.slotLost(lost, "a new snapshot needs pipeline.cdc.snapshot-method=copy or auto");
            throw new CapturedTables.Refused("the change stream cannot resume where staging stopped: " + lost
                    + ". A new snapshot generation is taken by COPY, which pipeline.cdc.snapshot-method=debezium "
                    + "turns off: set it to auto (or copy), or restore the slot and restart");
        }
        capture.slotLost(lost, "new slot and a new snapshot of every captured table (pipeline.cdc.on-lost-slot=resync)");
        capture.resyncing(lost);
        try {
            if (LostSlot.drop(source, slotName)) {
                LOG.infof("Dropped replication slot %s, which cannot resume; a new one is made for the new snapshot", slotName);
            }
            capture.snapshotCopied(copy.resync("lost slot: " + lost));
            Arc.container().instance(io.livewarehouse.source.ReplicationSlot.class).get().forget();
        } finally {
            capture.resyncing(null);
        }
        return false;
    }

    /**
     * The captured tables whose columns at the source differ from what staging holds: they changed shape while
     * the pipeline was stopped (or since it last staged one of their changes). Debezium 3.4 decodes the first
     * changes of such a table after a start with the table's present columns, also those written before the
     * schema change: those may arrive wrong, and the operator is told which tables to check (or resync).
     */
    private List<String> shapesChanged(CapturedTables tables) throws java.sql.SQLException {
        List<String> changed = new java.util.ArrayList<>();
        // Hashed columns are staged as text whatever their source type.
        String hashed = "," + Arc.container().instance(io.livewarehouse.source.SourceConnections.class).get().settings()
                .columnHashList().orElse("").replace(" ", "") + ",";
        for (CapturedTables.Table table : tables.all()) {
            Map<String, io.livewarehouse.types.ColumnType> staged = writer.stagedColumns(table.name());
            if (staged.isEmpty()) {
                continue;
            }
            List<String> differences = new java.util.ArrayList<>();
            tables.sourceShape(table).forEach((column, type) -> {
                io.livewarehouse.types.ColumnType held = staged.get(column);
                if (hashed.contains("," + table.schema() + "." + table.name() + "." + column + ",")) {
                    return;
                }
                if (held == null) {
                    differences.add(column + " is new");
                } else if (!writer.dialect().typeOf(held).equals(writer.dialect().typeOf(type))) {
                    differences.add(column + " is " + writer.dialect().typeOf(type) + ", staged as " + writer.dialect().typeOf(held));
                }
            });
            if (!differences.isEmpty()) {
                changed.add(table.schema() + "." + table.name() + " (" + String.join(", ", differences) + ")");
            }
        }
        return changed;
    }

    @Override
    public void stop() {
        // Nothing held (the warehouse connection belongs to the application), but the engine stops with its
        // offset store: when that happens while the route still runs, the engine has died (liveness).
        if (capture != null && !capture.engineState().startsWith("could not start") && !capture.engineRefused()) {
            capture.engineStopped("the Debezium engine stopped");
        }
    }

    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        try {
            Map<String, String> stored;
            try {
                stored = writer.readOffsets();
                latest.clear();
                latest.putAll(stored);
                read = true;
            } catch (Exception e) {
                if (!read) {
                    throw e;
                }
                LOG.debugf("The warehouse did not answer an offset read; the offsets this process stored serve: %s",
                        e.getMessage());
                stored = Map.copyOf(latest);
            }
            Map<ByteBuffer, ByteBuffer> result = new HashMap<>();
            for (ByteBuffer key : keys) {
                String value = stored.get(text(key));
                if (value != null) {
                    result.put(key, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
                }
            }
            return CompletableFuture.completedFuture(result);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        Map<String, String> offsets = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            if (key != null && value != null) {
                offsets.put(text(key), text(value));
            }
        });
        try {
            Map<String, String> stored = commit.commit(offsets);
            if (stored != null) {
                latest.putAll(stored);
            }
            if (callback != null) {
                callback.onCompletion(null, null);
            }
            return CompletableFuture.completedFuture(null);
        } catch (Exception e) {
            LOG.warnf("Staging write failed; offsets not committed, the events stay buffered and are retried: %s", io.livewarehouse.support.Messages.of(e));
            if (callback != null) {
                callback.onCompletion(e, null);
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }

    private static String text(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
