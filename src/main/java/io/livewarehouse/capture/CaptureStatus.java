package io.livewarehouse.capture;

import io.livewarehouse.staging.StagedChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the change capture is doing, for readiness, the pipeline page and metrics: its phase (starting,
 * snapshot, resync, streaming), the Debezium engine's state, a lost slot, and the events counted by table and
 * operation. The capture route's steps ({@link CaptureRoute}) and the engine's offset store report here; this
 * class decides nothing about the data.
 */
@ApplicationScoped
public class CaptureStatus {

    private static final Logger LOG = Logger.getLogger(CaptureStatus.class);

    /** starting, snapshot, resync or streaming: what the capture is doing, for operators and tests. */
    private volatile String phase = "starting";
    private volatile String engineState = "not started";
    private final AtomicInteger engineStarts = new AtomicInteger();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final MeterRegistry registry;
    private final Map<String, Counter> eventCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Counter> invalidCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile List<String> shapesChanged = List.of();
    /** The last time the replication slot could not resume, why, and what was done; null when it never happened. */
    private volatile String slotLoss;
    /** Why a new snapshot of every table is being taken now; null when none is. */
    private volatile String resyncing;
    private final io.livewarehouse.warehouse.OperationLog operations;

    public CaptureStatus(MeterRegistry registry, io.livewarehouse.warehouse.OperationLog operations) {
        this.registry = registry;
        this.operations = operations;
    }

    /** One change reached the staging buffer. */
    void staged(String schema, StagedChange change) {
        if (!change.invalidValues().isEmpty()) {
            countInvalid(schema, change);
        }
        events.incrementAndGet();
        eventCounter(change.table(), change.operation()).increment();
    }

    /** A snapshot row was read ({@code marker}: Debezium's snapshot field, "last" on the snapshot's last row) or a change streamed. */
    void read(boolean snapshotRow, String marker) {
        phase = snapshotRow && !"last".equals(marker) ? "snapshot" : "streaming";
    }

    /** An event went to the dead-letter table. */
    void countDeadLetter() {
        deadLettered.incrementAndGet();
    }

    /**
     * The snapshot was staged by COPY (nothing when the list is empty): its rows count as snapshot events,
     * and what follows is the stream.
     */
    void snapshotCopied(List<io.livewarehouse.staging.SnapshotCopy> copies) {
        if (copies.isEmpty()) {
            return;
        }
        for (io.livewarehouse.staging.SnapshotCopy copy : copies) {
            events.addAndGet(copy.rows());
            eventCounter(copy.table(), "r").increment(copy.rows());
            copy.invalidValues().forEach((column, count) ->
                    invalidCounter(copy.schema(), copy.table(), column, count + " snapshot rows").increment(count));
        }
        phase = "streaming";
    }

    /** A table's own new snapshot is staged (see TableResync): its rows count as snapshot reads. */
    void tableResynced(io.livewarehouse.staging.SnapshotCopy copy, String reason) {
        operations.record("table snapshot staged", copy.schema() + "." + copy.table(), reason + ": " + copy.rows() + " rows");
        events.addAndGet(copy.rows());
        eventCounter(copy.table(), "r").increment(copy.rows());
        copy.invalidValues().forEach((column, count) ->
                invalidCounter(copy.schema(), copy.table(), column, count + " snapshot rows").increment(count));
    }

    /** Tables that changed shape while the pipeline was stopped (see StreamPreparation), as found at start. */
    void shapesChangedWhileStopped(List<String> tables) {
        shapesChanged = List.copyOf(tables);
        if (!tables.isEmpty()) {
            LOG.warnf("Changed while the pipeline was stopped: %s. Changes written to these tables before their schema "
                    + "change and streamed now may be decoded with their new columns (a limitation of Debezium 3.4's "
                    + "pgoutput decoding): compare them with the source and resync them if they differ", tables);
        }
    }

    /** See {@link #shapesChangedWhileStopped}; empty when none did. */
    public List<String> shapesChanged() {
        return shapesChanged;
    }

    public String phase() {
        return phase;
    }

    /** The Debezium engine opened its offset store: it runs. */
    void engineStarted() {
        engineState = "running";
        engineStarts.incrementAndGet();
    }

    /** How many times the engine started in this process (a route reload that restarted capture shows here). */
    public int engineStarts() {
        return engineStarts.get();
    }

    /**
     * The stream cannot resume where staging stopped ({@link LostSlot}): recorded for readiness and the
     * pipeline page, and counted.
     */
    void slotLost(String reason, String action) {
        slotLoss = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0) + ": " + reason + "; " + action;
        registry.counter("pipeline.replication.slot.lost").increment();
        LOG.warnf("The change stream cannot resume where staging stopped: %s; %s", reason, action);
        operations.record("slot lost", null, reason + "; " + action);
    }

    /** See {@link #slotLost}; null when the slot never was lost in this process. */
    public String slotLoss() {
        return slotLoss;
    }

    /** The stream resumes from stored offsets after a finished snapshot: streaming, before any change arrives. */
    void resumed() {
        if ("starting".equals(phase)) {
            phase = "streaming";
        }
    }

    /** A new snapshot of every table starts ({@code why}), or ended ({@code null}). */
    void resyncing(String why) {
        resyncing = why;
        if (why != null) {
            phase = "resync";
        }
    }

    /** Why a new snapshot of every table is being taken now, or null. */
    public String resyncing() {
        return resyncing;
    }

    /**
     * The engine was refused at start for a reason a restart does not mend (a table that cannot be captured, a
     * lost slot under on-lost-slot=refuse): not running, but not dead either, so liveness stays UP and an
     * orchestrator does not restart it in a loop; readiness says why.
     */
    void engineRefused(String reason) {
        engineState = "refused: " + reason;
        operations.record("capture refused", null, reason);
    }

    /** See {@link #engineRefused}. */
    public boolean engineRefused() {
        return engineState.startsWith("refused: ");
    }

    /** The engine closed its offset store (a stop, a route reload, or its death) or could not start. */
    void engineStopped(String reason) {
        engineState = reason;
    }

    /**
     * True when the engine ran (or tried to start) and is not running now: stopped, died or failed to start.
     * Before its first start it is not stopped, only not started yet.
     */
    public boolean engineStopped() {
        String state = engineState;
        return !"running".equals(state) && !"not started".equals(state);
    }

    /** "not started", "running", or why the engine is not running. */
    public String engineState() {
        return engineState;
    }

    public long events() {
        return events.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    /** Values staged as NULL with their source text in _cdc_invalid: counted, and named once per column. */
    private void countInvalid(String schema, StagedChange change) {
        for (Map.Entry<String, String> value : change.invalidValues().entrySet()) {
            invalidCounter(schema, change.table(), value.getKey(),
                    abbreviate(value.getValue()) + " at LSN " + change.lsn()).increment();
        }
    }

    /** The counter of a column's invalid values; the first time, a log line names the column and an example. */
    private Counter invalidCounter(String schema, String table, String column, String first) {
        return invalidCounters.computeIfAbsent(table + "." + column, ignored -> {
            LOG.warnf("%s.%s.%s holds values staging cannot hold as they are (first: %s): staged as NULL with the "
                    + "source text in _cdc_invalid; counted in pipeline_invalid_values_total", schema, table, column, first);
            return Counter.builder("pipeline.invalid.values")
                    .description("Source values staged as NULL with their text in _cdc_invalid, by table and column")
                    .tag("table", table).tag("column", column).register(registry);
        });
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    private Counter eventCounter(String table, String operation) {
        return eventCounters.computeIfAbsent(table + "/" + operation, ignored -> Counter.builder("pipeline.capture.events")
                .description("Change events captured, by source table and operation (r, c, u, d; r counts snapshot rows)")
                .tag("table", table).tag("operation", operation).register(registry));
    }
}
