package io.livewarehouse.capture;

import io.livewarehouse.staging.DeadLetter;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.staging.StagingBuffer;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.kafka.connect.data.Struct;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processor the CDC route calls for every Debezium record, on the engine's single polling thread and in
 * source order. It only converts and buffers: the write happens when the engine commits offsets (see
 * {@link WarehouseOffsetStore}). It never throws: Camel's Debezium consumer would log the exception and
 * commit the record's offset anyway, losing the event. A record that cannot be converted becomes a dead
 * letter, or, with dead letters switched off, stops all further offset commits.
 */
@ApplicationScoped
@Named("changeCapture")
public class ChangeCapture {

    private static final Logger LOG = Logger.getLogger(ChangeCapture.class);

    private final StagingBuffer buffer;
    private final StagingWriter writer;
    private final ChangeEventConverter converter;
    private final boolean deadLetters;
    private final int maxBufferedRows;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    // Engine-thread state: the transaction being read and the position of the next event in it.
    private Long currentTransaction;
    private int nextSequence;

    /** starting, snapshot or streaming: what the capture is doing, for operators and tests. */
    private volatile String phase = "starting";
    private volatile String engineState = "not started";
    private final java.util.concurrent.atomic.AtomicInteger engineStarts = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final SnapshotProgress snapshotProgress;
    private final MeterRegistry registry;
    private final Map<String, Counter> eventCounters = new HashMap<>();
    private final Map<String, Counter> invalidCounters = new HashMap<>();
    private volatile List<String> shapesChanged = List.of();
    /** The last time the replication slot could not resume, why, and what was done; null when it never happened. */
    private volatile String slotLoss;
    /** Why a new snapshot of every table is being taken now; null when none is. */
    private volatile String resyncing;

    private final CapturedTables capturedTables;
    private final ReplicaIdentity replicaIdentity;
    private final SensitiveColumns sensitive;
    private final io.livewarehouse.warehouse.OperationLog operations;

    public ChangeCapture(StagingBuffer buffer, StagingWriter writer, SnapshotProgress snapshotProgress, MeterRegistry registry,
                         CapturedTables capturedTables, ReplicaIdentity replicaIdentity, DebeziumFailures debeziumFailures,
                         @ConfigProperty(name = "pipeline.cdc.unavailable-value-placeholder") String placeholder,
                         @ConfigProperty(name = "pipeline.staging.dead-letter-enabled") boolean deadLetters,
                         @ConfigProperty(name = "pipeline.staging.max-buffered-rows") int maxBufferedRows,
                         io.livewarehouse.source.SourceSettings sourceSettings,
                         io.livewarehouse.warehouse.OperationLog operations) {
        this.operations = operations;
        this.buffer = buffer;
        this.writer = writer;
        this.snapshotProgress = snapshotProgress;
        this.registry = registry;
        // debeziumFailures is here to exist, and listen, before the engine reads its first record.
        this.capturedTables = capturedTables;
        this.replicaIdentity = replicaIdentity;
        this.converter = new ChangeEventConverter(placeholder, writer.dialect().dateRange(), writer.dialect().timestampRange());
        this.deadLetters = deadLetters;
        this.maxBufferedRows = maxBufferedRows;
        this.sensitive = new SensitiveColumns(sourceSettings.columnHashList().orElse(""),
                sourceSettings.hashSalt().orElse(""));
        if (!sensitive.isEmpty() && sourceSettings.hashSalt().isEmpty()) {
            LOG.warn("pipeline.source.column-hash-list is set without pipeline.source.hash-salt: short values "
                    + "(emails, phone numbers) can be found again from their unsalted hashes");
        }
    }

    /** The engine (re)starts from stored offsets, which always sit at a transaction boundary. */
    void streamStarting() {
        replicaIdentity.forget();
        currentTransaction = null;
        nextSequence = 0;
    }

    /** Called by the route {@code cdc-to-staging} for every record. */
    public void accept(Exchange exchange) {
        Message message = exchange.getMessage();
        String identifier = message.getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class);
        try {
            if (identifier != null && identifier.startsWith("__debezium-heartbeat")) {
                // A heartbeat carries no data; the engine commits (and so writes the batch) after it.
                return;
            }
            if (identifier != null && identifier.endsWith(".message")) {
                // Logical decoding messages (the heartbeat action query emits one) carry no table data.
                return;
            }
            if (identifier != null && identifier.endsWith(".transaction")) {
                // BEGIN/END markers carry no data; an END makes the engine's next offsets a COMMIT position.
                // Either marker starts the numbering of events anew (the route does not see which one it is:
                // the body is the record's absent "after"). That matters when Debezium restarts its task (a
                // dropped replication connection) and replays, from its BEGIN, a transaction it had partly
                // delivered: the replayed events get the numbers they had the first time.
                currentTransaction = null;
                nextSequence = 0;
                return;
            }
            stage(message);
        } catch (Exception | LinkageError e) {
            deadLetter(message, identifier, e);
        }
        applyBackpressure();
    }

    /**
     * What offsets the writer may store with the current buffer: the engine's offsets when they sit at a
     * transaction end (a COMMIT, reached through the END marker that transaction metadata provides) or in the
     * snapshot; else none: the rows are still written, and a restart replays the open transaction from its
     * start, which staging recognises. An offset inside a transaction is unsafe to store: events that share
     * one LSN (COPY, multi-row inserts) after it would be skipped on restart.
     */
    Map<String, String> offsetsToStore(Map<String, String> engineOffsets) {
        for (String offset : engineOffsets.values()) {
            if (!isTransactionBoundary(offset)) {
                LOG.tracef("Keeping stored offsets: engine offset %s is inside a transaction", offset);
                return null;
            }
        }
        return engineOffsets;
    }

    static boolean isTransactionBoundary(String offsetJson) {
        try {
            Map<?, ?> offset = JSON.readValue(offsetJson, Map.class);
            Object messageType = offset.get("messageType");
            // Snapshot offsets carry no message type; a restart redoes an unfinished snapshot as a whole. A
            // non-transactional logical message (the heartbeat's) is decoded between transactions.
            return messageType == null || "COMMIT".equals(messageType) || "MESSAGE".equals(messageType);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The snapshot was staged by COPY (nothing when the list is empty): its rows count as snapshot events,
     * and what follows is the stream.
     */
    void snapshotCopied(java.util.List<io.livewarehouse.staging.SnapshotCopy> copies) {
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

    /** Tables that changed shape while the pipeline was stopped (see WarehouseOffsetStore), as found at start. */
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

    @SuppressWarnings("unchecked")
    private void stage(Message message) {
        String operation = message.getHeader(DebeziumConstants.HEADER_OPERATION, String.class);
        Map<String, Object> source = message.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        if (operation == null || source == null) {
            throw new IllegalArgumentException("record without operation or source metadata");
        }
        Struct key = message.getHeader(DebeziumConstants.HEADER_KEY, Struct.class);
        Struct row = "d".equals(operation)
                ? message.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class)
                : message.getBody(Struct.class);
        int sequence;
        if ("r".equals(operation)) {
            // Snapshot rows all share the snapshot's LSN; the key tells them apart.
            sequence = 0;
        } else {
            Long transaction = source.get("txId") instanceof Number number ? number.longValue() : null;
            if (!Objects.equals(transaction, currentTransaction)) {
                currentTransaction = transaction;
                nextSequence = 0;
            }
            sequence = nextSequence++;
        }
        String schema = String.valueOf(source.get("schema"));
        CapturedTables.Table table = capturedTables.table(schema, String.valueOf(source.get("table")));
        List<String> keyColumns = table != null ? table.key() : ChangeEventConverter.keyColumns(key);
        java.util.Set<String> skipped = table != null ? table.skipped() : java.util.Set.of();
        java.util.function.Supplier<Map<String, CapturedTables.SourceColumn>> positions = () -> table == null ? Map.of()
                : capturedTables.columnsNow(table);
        StagedChange converted = converter.convert(operation, row, keyColumns, skipped, positions, source, sequence);
        Struct before = "u".equals(operation) && table != null && !table.primaryKey()
                ? message.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class) : null;
        if (before != null) {
            // A key Debezium does not know (a table without primary key) that an update changed is a delete of the
            // old row and an insert of the new one, as Debezium itself sends a primary key change: the current
            // state is kept by key. A table keyed by its whole row changes key with every update.
            StagedChange old = converter.convert("d", before, keyColumns, skipped, positions, source, sequence);
            if (table.wholeRow() || !keyValues(old).equals(keyValues(converted))) {
                add(schema, old);
                converted = ChangeEventConverter.withValuesFrom(
                        converter.convert("c", row, keyColumns, skipped, positions, source, nextSequence++), old);
            }
        }
        // Asked when a delete comes, not at start: an ALTER TABLE ... REPLICA IDENTITY FULL while streaming counts.
        add(schema, "d".equals(operation) && !replicaIdentity.isFull(schema, converted.table())
                ? ChangeEventConverter.keyOnly(converted) : converted);
        if ("r".equals(operation)) {
            snapshotProgress.rowRead(String.valueOf(source.get("schema")), converted.table());
            phase = "last".equals(String.valueOf(source.get("snapshot"))) ? "streaming" : "snapshot";
        } else {
            phase = "streaming";
        }
    }

    /** Buffers one converted change: sensitive columns hashed, invalid values counted. */
    private void add(String schema, StagedChange converted) {
        StagedChange change = sensitive.apply(schema, converted);
        if (!change.invalidValues().isEmpty()) {
            countInvalid(schema, change);
        }
        buffer.add(change);
        events.incrementAndGet();
        eventCounter(change.table(), change.operation()).increment();
    }

    private static List<Object> keyValues(StagedChange change) {
        List<Object> values = new java.util.ArrayList<>();
        for (int i = 0; i < change.columns().size(); i++) {
            if (change.keyColumns().contains(change.columns().get(i).name())) {
                Object value = change.values()[i];
                values.add(value instanceof byte[] bytes ? java.nio.ByteBuffer.wrap(bytes) : value);
            }
        }
        return values;
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

    private void deadLetter(Message message, String identifier, Throwable error) {
        String reason = error.getClass().getSimpleName() + ": " + error.getMessage();
        if (!deadLetters) {
            LOG.errorf(error, "Cannot stage %s; fail-fast mode: no further offsets are committed until restart", identifier);
            buffer.poison(reason);
            return;
        }
        deadLettered.incrementAndGet();
        Map<?, ?> source = message.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        Object key = message.getHeader(DebeziumConstants.HEADER_KEY);
        Object body = message.getBody();
        Object before = message.getHeader(DebeziumConstants.HEADER_BEFORE);
        Long lsn = source != null && source.get("lsn") instanceof Number number ? number.longValue() : null;
        String table = source != null && source.get("table") != null ? source.get("table").toString() : identifier;
        registry.counter("pipeline.dead.letters", "table", String.valueOf(table), "stage", "capture").increment();
        LOG.warnf("Dead letter: %s event of %s at LSN %s: %s", message.getHeader(DebeziumConstants.HEADER_OPERATION),
                table, lsn, reason);
        buffer.add(new DeadLetter(table, describe(key), lsn,
                "{\"after\":" + describe(body) + ",\"before\":" + describe(before) + "}",
                reason, OffsetDateTime.now(ZoneOffset.UTC)));
    }

    /** A struct as JSON for a dead letter, as far as it can be rendered. */
    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        try {
            if (value instanceof Struct struct) {
                Map<String, Object> map = new java.util.LinkedHashMap<>();
                struct.schema().fields().forEach(field -> map.put(field.name(), String.valueOf(struct.get(field))));
                return ChangeEventConverter.toJson(map);
            }
            return ChangeEventConverter.toJson(String.valueOf(value));
        } catch (RuntimeException e) {
            return "\"(unrenderable)\"";
        }
    }

    /**
     * While the warehouse cannot take writes the buffer would grow without bound. Past the limit, block the
     * engine thread (so Debezium stops reading and the slot keeps the WAL) and retry writing the rows without
     * offsets; staging recognises them if they are replayed later.
     */
    private void applyBackpressure() {
        long wait = 100;
        while (buffer.size() >= maxBufferedRows) {
            try {
                writer.write(null);
                return;
            } catch (Exception e) {
                LOG.warnf("Staging buffer full (%d rows) and the warehouse refuses writes; retrying in %d ms: %s",
                        buffer.size(), wait, io.livewarehouse.support.Messages.of(e));
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                wait = Math.min(Duration.ofSeconds(10).toMillis(), wait * 2);
            }
        }
    }
}
