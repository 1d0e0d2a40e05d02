package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.ReplicationSlot;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingWriter;
import io.livewarehouse.warehouse.OperationLog;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/**
 * What happens each time the change stream starts, before Debezium reads its offsets ({@link #prepare}),
 * called by {@link WarehouseOffsetStore#start}: the one place that decides whether the stream resumes where
 * staging stopped, resyncs after a lost slot, or takes its first snapshot by COPY.
 */
@ApplicationScoped
@io.quarkus.arc.Unremovable // reached through Arc, from the offset store Debezium instantiates
public class StreamPreparation {

    private static final Logger LOG = Logger.getLogger(StreamPreparation.class);

    private final StagingWriter writer;
    private final CaptureStatus capture;
    private final TransactionSequencer sequencer;
    private final ReplicaIdentity replicaIdentity;
    private final ColumnHashing columnHashing;
    private final CapturedTables capturedTables;
    private final SourceConnections source;
    private final CopySnapshot copySnapshot;
    private final TableResync resync;
    private final OperationLog operations;
    private final ReplicationSlot replicationSlot;
    private final PipelineSettings settings;

    public StreamPreparation(StagingWriter writer, CaptureStatus capture, TransactionSequencer sequencer,
                             ReplicaIdentity replicaIdentity, ColumnHashing columnHashing, CapturedTables capturedTables,
                             SourceConnections source, CopySnapshot copySnapshot, TableResync resync,
                             OperationLog operations, ReplicationSlot replicationSlot, PipelineSettings settings) {
        this.writer = writer;
        this.capture = capture;
        this.sequencer = sequencer;
        this.replicaIdentity = replicaIdentity;
        this.columnHashing = columnHashing;
        this.capturedTables = capturedTables;
        this.source = source;
        this.copySnapshot = copySnapshot;
        this.resync = resync;
        this.operations = operations;
        this.replicationSlot = replicationSlot;
        this.settings = settings;
    }

    /** The stream runs: resyncs waiting for it (tables added, resyncs asked for) may start. */
    void streamStarted() {
        resync.streamStarted();
    }

    /**
     * Prepares the stream before Debezium reads its offsets: staging told, sequencing and replica identities
     * started afresh, sensitive columns parsed, captured tables checked and published (tables added since
     * held, removed ones logged), shape changes while stopped reported, an unfinished snapshot attempt undone,
     * a lost slot mended (or refused), and the snapshot by COPY taken when nothing is staged yet.
     */
    void prepare() {
        try {
            writer.streamStarting();
            // Stored offsets always sit at a transaction boundary: the numbering starts anew, and replica
            // identities are asked again (they may have changed while the stream was stopped).
            sequencer.restart();
            replicaIdentity.forget();
            // Built now, not at the first change: a pipeline.source.column-hash-list that does not parse refuses
            // the start instead of dead-lettering every change.
            columnHashing.ready();
            PipelineSettings.Cdc cdc = settings.cdc();
            String snapshotMode = cdc.snapshotMode();
            // Every captured table checked and published before a replication slot can exist.
            holdAddedTables(capturedTables);
            capturedTables.prepare();
            capture.shapesChangedWhileStopped(shapesChanged(capturedTables));
            Map<String, String> offsets = writer.readOffsets();
            UnfinishedSnapshotGuard.apply(offsets, snapshotMode,
                    cdc.slotName(),
                    source);
            if (resumesWhereStagingStopped(offsets, cdc, copySnapshot)) {
                // With snapshot-method=copy the snapshot is staged here, before Debezium reads the offsets it leaves.
                capture.snapshotCopied(copySnapshot.runIfNeeded(offsets, snapshotMode));
            }
            if (!offsets.isEmpty() && StagedPosition.of(offsets).snapshotFinished()) {
                capture.resumed();
            }
            operations.record("capture started", null,
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
            if (writer.hold(added, StagingWriter.ADDED)) {
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
            replicationSlot.forget();
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
        String hashed = "," + source.settings()
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
}
