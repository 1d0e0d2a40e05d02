package io.livewarehouse.capture;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Processor;
import org.apache.camel.builder.EndpointConsumerBuilder;
import org.apache.camel.builder.endpoint.EndpointRouteBuilder;

/**
 * The change data capture route, {@code cdc-to-staging}: Debezium reads the source's logical replication
 * stream (pgoutput) and every record passes these steps, in order, on the engine's single thread:
 * <ol>
 *   <li>{@code control-event-filter}: heartbeats, logical messages and transaction markers stop here (a
 *       marker restarts the numbering of the next transaction's events);</li>
 *   <li>{@code transaction-sequence}: the change's position in its transaction ({@link TransactionSequencer});</li>
 *   <li>{@code convert}: Debezium's structs become staging rows ({@link ChangeConversion});</li>
 *   <li>{@code replica-identity}: key-only deletes, updates that moved a key ({@link ReplicaIdentity});</li>
 *   <li>{@code sensitive-columns}: listed columns hashed ({@link ColumnHashing});</li>
 *   <li>{@code staging-buffer}: the changes join the batch ({@link StagingBufferStep}).</li>
 * </ol>
 * Whatever fails in a step goes to {@code dead-letter} ({@link CaptureDeadLetters}), handled: the consumer
 * commits the offset of every exchange, so nothing may escape the route. The batch is written, with the
 * offsets that cover it, by {@link StagingCommit} when the engine commits.
 *
 * <p>Why Java and not YAML like the other routes: its forty-odd Debezium options are checked when it
 * compiles (the endpoint DSL), and no edit of a routes file, hot-reloaded in dev mode, can restart the
 * capture. Every value still comes from {@code pipeline.*} settings.
 */
@ApplicationScoped
public class CaptureRoute extends EndpointRouteBuilder {

    public static final String ROUTE = "cdc-to-staging";

    private final TransactionSequencer sequencer;
    private final ChangeConversion conversion;
    private final ReplicaIdentity replicaIdentity;
    private final ColumnHashing columnHashing;
    private final StagingBufferStep stagingBuffer;
    private final CaptureDeadLetters deadLetters;

    /** {@code failures} is here to exist, and listen to Debezium's log, before the engine reads its first record. */
    public CaptureRoute(TransactionSequencer sequencer, ChangeConversion conversion, ReplicaIdentity replicaIdentity,
                        ColumnHashing columnHashing, StagingBufferStep stagingBuffer, CaptureDeadLetters deadLetters,
                        DebeziumFailures failures) {
        this.sequencer = sequencer;
        this.conversion = conversion;
        this.replicaIdentity = replicaIdentity;
        this.columnHashing = columnHashing;
        this.stagingBuffer = stagingBuffer;
        this.deadLetters = deadLetters;
    }

    @Override
    public void configure() {
        // Bodies here are Debezium structs, never streams: Camel's stream caching (on by default since Camel 4)
        // would only check every exchange for one (about 3% of the record thread in the benchmark's profile).
        from(source()).routeId(ROUTE).streamCache(false)
                .onException(Exception.class).handled(true)
                    .process(deadLetters).id("dead-letter")
                .end()
                .choice().id("control-event-filter")
                    .when(ControlEvents::transactionMarker)
                        .process(exchange -> sequencer.restart()).stop()
                    .when(ControlEvents::heartbeatOrMessage)
                        .stop()
                .end()
                .process(guarded(sequencer)).id("transaction-sequence")
                .process(guarded(conversion)).id("convert")
                .process(guarded(replicaIdentity)).id("replica-identity")
                .process(guarded(columnHashing)).id("sensitive-columns")
                .process(guarded(stagingBuffer)).id("staging-buffer");
    }

    /**
     * A step whose Errors of class loading or linking (a converter class that cannot load, say) become this
     * event's exception: onException and Camel's Debezium consumer handle Exceptions only, and such an Error
     * would otherwise pass the dead-letter step while the consumer still commits the event's offset.
     */
    private static Processor guarded(Processor step) {
        return exchange -> {
            try {
                step.process(exchange);
            } catch (LinkageError e) {
                throw new IllegalStateException(e.toString(), e);
            }
        };
    }

    private EndpointConsumerBuilder source() {
        return debeziumPostgres("{{pipeline.cdc.name}}")
                .databaseHostname("{{pipeline.source.host}}")
                .databasePort("{{pipeline.source.port}}")
                .databaseDbname("{{pipeline.source.database}}")
                .databaseUser("{{pipeline.source.user}}")
                .databasePassword("{{pipeline.source.password:}}")
                .topicPrefix("{{pipeline.cdc.name}}")
                .pluginName("pgoutput")
                .slotName("{{pipeline.cdc.slot-name}}")
                // A failover slot (PostgreSQL 17) is synchronized to standbys set up for it (docs/operations.md).
                .additionalProperties("slot.failover", "{{pipeline.cdc.failover-slot}}")
                .publicationName("{{pipeline.cdc.publication-name}}")
                .publicationAutocreateMode("filtered")
                .tableIncludeList("{{pipeline.source.tables}}")
                .columnExcludeList("{{pipeline.source.column-exclude-list}}")
                .snapshotMode("{{pipeline.cdc.snapshot-mode}}")
                // Exact values: timestamps to the microsecond, bytea as bytes. numeric, money, intervals, zoned
                // times, geometric types, arrays and every type Debezium does not know go through the pipeline's
                // own converter (SourceValueConverter): as the source prints them; a value staging cannot hold
                // (a numeric NaN) is kept as text beside a NULL instead of stopping the engine.
                .decimalHandlingMode("precise")
                .timePrecisionMode("adaptive_time_microseconds")
                .binaryHandlingMode("bytes")
                .includeUnknownDatatypes(true)
                .converters("sourcevalues")
                .additionalProperties("sourcevalues.type", SourceValueConverter.class.getName())
                // The replication session prints intervals and bytea in fixed forms, whatever the server's
                // defaults (Debezium parses what it receives; the snapshot copy sets the same).
                .additionalProperties("driver.options", "-c IntervalStyle=postgres -c bytea_output=hex")
                // A partitioned table's changes arrive under its own name, not under its partitions'.
                .publishViaPartitionRoot(true)
                // An event Debezium cannot convert becomes a dead letter (DebeziumFailures records the warning
                // Debezium logs for it) and the stream goes on; with "fail" the engine would stop and meet the
                // same event at every restart. A value Debezium cannot convert fails loudly too, not as NULL.
                .eventProcessingFailureHandlingMode("warn")
                .additionalProperties("event.converting.failure.handling.mode", "fail")
                .unavailableValuePlaceholder("{{pipeline.cdc.unavailable-value-placeholder}}")
                // BEGIN/END markers tell the route where transactions end: offsets are stored only there.
                .provideTransactionMetadata(true)
                // Records reach Camel's consumer with every field it reads, so building an exchange throws no
                // exception per missing field (ConsumerFields).
                .additionalProperties("transforms", "consumerfields")
                .additionalProperties("transforms.consumerfields.type", ConsumerFields.class.getName())
                // Offsets live in the warehouse, committed with the staging rows (StagingCommit).
                .offsetStorage(WarehouseOffsetStore.class.getName())
                .offsetCommitPolicy(StagingCommitPolicy.class.getName())
                .offsetFlushIntervalMs(0)
                .offsetCommitTimeoutMs("{{pipeline.staging.commit-timeout-ms}}")
                // Heartbeats make the last batch flush when the source goes quiet, and keep the slot moving.
                .heartbeatIntervalMs("{{pipeline.cdc.heartbeat-interval-ms}}")
                .heartbeatActionQuery("{{pipeline.cdc.heartbeat-action-query:}}")
                .maxBatchSize("{{pipeline.cdc.max-batch-size}}")
                .pollIntervalMs("{{pipeline.cdc.poll-interval-ms}}")
                // How often the engine reconnects after a connection error before it gives up (-1: forever).
                // An engine that gave up turns liveness DOWN, so the orchestrator restarts the process.
                .errorsMaxRetries("{{pipeline.cdc.max-retries}}")
                .maxQueueSize("{{pipeline.cdc.max-queue-size}}");
    }
}
