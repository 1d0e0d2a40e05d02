package io.livewarehouse.bench;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.livewarehouse.demo.EmbeddedSource;
import org.apache.kafka.connect.source.SourceRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Debezium's own ceiling on this machine: its embedded engine (the version and connector settings the
 * pipeline runs) with a consumer that only counts the row change records, so what any Debezium-based tool
 * can reach at best on the same WAL. It runs in the benchmark's JVM, with a slot and a publication of its own
 * and its offsets in a file, and is started, stopped and started again like the pipeline: once to create its
 * slot and store a streaming offset, then, after the change sets were applied, to drain them.
 *
 * <p>What differs from the pipeline's capture: none of the pipeline's own value conversion (its Debezium
 * converter and its driver options need the pipeline's configuration), so special types take Debezium's own
 * conversions; on the benchmark's tables those are the same few columns either way.
 */
final class DebeziumCeiling {

    private static final String PREFIX = "bench_ceiling";
    /** The email a latency phase gives customer 1: its arrival means what waited in the slot has drained. */
    static final String SENTINEL = "latency-sentinel@example.com";

    private final Properties properties = new Properties();
    private final AtomicLong events = new AtomicLong();
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private ExecutorService executor;
    private final Path offsets;
    private final EmbeddedSource source;
    private final java.util.Queue<Long> latencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean timing;
    private volatile boolean sentinelSeen;

    DebeziumCeiling(EmbeddedSource source, Path work, String tables) {
        this.source = source;
        properties.setProperty("name", PREFIX);
        properties.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        properties.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        properties.setProperty("offset.storage.file.filename", work.resolve("ceiling-offsets.dat").toString());
        properties.setProperty("offset.flush.interval.ms", "1000");
        properties.setProperty("database.hostname", "localhost");
        properties.setProperty("database.port", Integer.toString(source.port()));
        properties.setProperty("database.user", "postgres");
        properties.setProperty("database.password", "embedded");
        properties.setProperty("database.dbname", EmbeddedSource.DATABASE);
        properties.setProperty("topic.prefix", PREFIX);
        properties.setProperty("plugin.name", "pgoutput");
        properties.setProperty("slot.name", PREFIX);
        properties.setProperty("publication.name", PREFIX);
        properties.setProperty("publication.autocreate.mode", "filtered");
        properties.setProperty("table.include.list", tables);
        properties.setProperty("column.exclude.list", "public.staff.password");
        properties.setProperty("snapshot.mode", "no_data");
        // As the pipeline's capture (CaptureRoute): exact values, transaction markers, partitions as their root.
        properties.setProperty("decimal.handling.mode", "precise");
        properties.setProperty("time.precision.mode", "adaptive_time_microseconds");
        properties.setProperty("binary.handling.mode", "bytes");
        properties.setProperty("include.unknown.datatypes", "true");
        properties.setProperty("provide.transaction.metadata", "true");
        properties.setProperty("publish.via.partition.root", "true");
        properties.setProperty("max.batch.size", Benchmark.pipelineDefault("pipeline.cdc.max-batch-size"));
        properties.setProperty("max.queue.size", Benchmark.pipelineDefault("pipeline.cdc.max-queue-size"));
        properties.setProperty("poll.interval.ms", Benchmark.pipelineDefault("pipeline.cdc.poll-interval-ms"));
        // Heartbeats are records: they make the engine store its streaming offset before any change arrives.
        properties.setProperty("heartbeat.interval.ms", "1000");
        this.offsets = work.resolve("ceiling-offsets.dat");
    }

    /**
     * The first start: the engine creates its slot and publication and stores a streaming offset (its first
     * heartbeat), then stops; the change sets applied after this are what {@link #start} drains.
     */
    void prepare() throws Exception {
        start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(2)).pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> java.nio.file.Files.exists(offsets) && java.nio.file.Files.size(offsets) > 0);
        stop();
    }

    /**
     * Drains {@code total} row changes after a start, timed by the counting consumer's count, and where the
     * harness's CPU goes (by thread group, in % of one core: {@link DrainClock#cpu}) while it drains the sets
     * after {@code warmUp}.
     */
    DrainClock drain(long warmUp, long total, java.util.List<double[]> samples) throws Exception {
        DrainClock clock = new DrainClock(samples, ProcessHandle.current().pid(), warmUp, total);
        start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(30)).pollInterval(java.time.Duration.ofMillis(20))
                    .until(() -> clock.sample(events.get()) >= total);
        } finally {
            stop();
        }
        return clock;
    }

    private void start() {
        events.set(0);
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(properties)
                .notifying(this::count)
                .build();
        executor = Executors.newSingleThreadExecutor();
        executor.execute(engine);
    }

    /** Stops the engine, which commits its offsets. */
    private void stop() throws IOException, InterruptedException {
        engine.close();
        executor.shutdown();
        executor.awaitTermination(1, TimeUnit.MINUTES);
    }

    /**
     * Latency at fixed rates, the pipeline's single-payment transactions: from the source commit (the record's
     * source.ts_ms, millisecond resolution) to the record reaching the consumer, p50/p95/p99 per rate. The engine
     * first drains what waits in its slot (a sentinel change marks the end of it), so only the load is timed.
     */
    void latency(java.util.List<Integer> rates, java.time.Duration duration, Benchmark.Figures figures) throws Exception {
        sentinelSeen = false;
        start();
        try {
            try (java.sql.Connection connection = source.connect(EmbeddedSource.DATABASE);
                 java.sql.Statement statement = connection.createStatement()) {
                statement.execute("update public.customer set email = '" + SENTINEL + "' where customer_id = 1");
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(10)).pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> sentinelSeen);
            for (int rate : rates) {
                latencies.clear();
                timing = true;
                java.util.List<long[]> commits = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                Benchmark.steadyLoad(source, rate, duration, commits);
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(5)).pollInterval(java.time.Duration.ofMillis(100))
                        .until(() -> latencies.size() >= commits.size());
                timing = false;
                Benchmark.percentiles(figures, "debezium ceiling rate " + rate, new java.util.ArrayList<>(latencies));
            }
        } finally {
            stop();
        }
    }

    private void count(RecordChangeEvent<SourceRecord> event) {
        SourceRecord record = event.record();
        // Row changes only: not the transaction markers, heartbeats or delete tombstones.
        if (record.value() != null && record.topic().startsWith(PREFIX + ".public.")) {
            events.incrementAndGet();
            if (record.topic().endsWith(".customer")) {
                org.apache.kafka.connect.data.Struct after = ((org.apache.kafka.connect.data.Struct) record.value()).getStruct("after");
                if (after != null && SENTINEL.equals(after.get("email"))) {
                    sentinelSeen = true; // only ever set: the consumer runs on several threads
                }
            } else if (timing && record.topic().endsWith(".payment")) {
                long committed = ((org.apache.kafka.connect.data.Struct) record.value()).getStruct("source").getInt64("ts_ms");
                latencies.add(System.currentTimeMillis() - committed);
            }
        }
    }
}
