package io.livewarehouse.bench;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark: the packaged pipeline against the raw limits of the same machine, measured in the same run.
 * One run, on a fresh embedded source at {@code scale}:
 * <ol>
 * <li>initial load: snapshot rows per second into staging, beside PostgreSQL's COPY TO STDOUT read by DuckDB's
 *     CSV reader into the same kind of DuckDB file;</li>
 * <li>streaming: equal sets of changes applied while the pipeline is stopped, then drained: the rate over
 *     the last sets, once the restarted process has warmed up on the ones before (and the cold rate over the
 *     first), where its CPU goes meanwhile, and the same drained by each peer; beside it the raw decoding
 *     rate of the same WAL through a second pgoutput slot (pg_logical_slot_get_binary_changes);</li>
 * <li>latency at fixed change rates: source commit to staging, and to the marts (fact_payment);</li>
 * <li>mart refresh: an incremental cycle after 1, 1,000 and 100,000 changes against a full rebuild;</li>
 * <li>a large transaction: one source transaction updating 1,000,000 rows, staged whole, with the peak resident
 *     memory of the process that staged it;</li>
 * <li>peak resident memory of the pipeline process;</li>
 * <li>Snowflake: staging batches appended by bound INSERTs and by PUT and COPY INTO at the same sizes, through
 *     the real driver against the emulator: rows/s, their ratio and statements per staged row.</li>
 * </ol>
 * Figures are ratios against the limits where the issue asks for them; nothing here asserts a time.
 */
public final class Benchmark {

    /**
     * What to run: the full benchmark (bench/run) or the smoke run of the test suite. {@code streamingSets}
     * change sets of {@code streamingTransactions} each are drained; the steady rate is timed over the last
     * {@code measuredSets}, the ones before warm the process up.
     */
    public record Settings(int scale, int streamingTransactions, int streamingSets, int measuredSets,
                           List<Integer> latencyRates, Duration latencyDuration,
                           List<Integer> refreshChanges, int largeTransactionRows, List<Integer> snowflakeBatches,
                           int snowflakeRows, Path work) {

        public Settings {
            if (measuredSets < 1 || measuredSets >= streamingSets) {
                throw new IllegalArgumentException("measure 1 to " + (streamingSets - 1) + " of the " + streamingSets
                        + " change sets (the first warms the process up at least): " + measuredSets);
            }
        }

        public static Settings full(int scale, Path work) {
            return new Settings(scale, 10_000, 8, 2, List.of(500, 2000), Duration.ofSeconds(60), List.of(1, 1000, 100_000),
                    1_000_000, List.of(500, 2_000, 10_000), 50_000, work);
        }

        public static Settings smoke(Path work) {
            return new Settings(1, 300, 2, 1, List.of(200), Duration.ofSeconds(5), List.of(1, 100), 2_000,
                    List.of(2_000), 4_000, work);
        }
    }

    /** One run's figures, by name, in the order they were measured. */
    public static final class Figures {
        final Map<String, Double> values = new LinkedHashMap<>();
        /** The streaming drains, per series: (seconds since the drain started, events applied so far). */
        final Map<String, List<double[]>> drains = new LinkedHashMap<>();

        void put(String name, double value) {
            values.put(name, value);
        }

        List<double[]> series(String name) {
            return drains.computeIfAbsent(name, n -> new ArrayList<>());
        }

        public Map<String, Double> values() {
            return values;
        }

        public Map<String, List<double[]>> drains() {
            return drains;
        }
    }

    /**
     * A default of the pipeline's from its application.properties, for the peers' connector settings that must
     * equal the pipeline's (batch and queue sizes, poll interval): read, not copied, so that they cannot drift.
     */
    static String pipelineDefault(String key) {
        java.util.Properties defaults = new java.util.Properties();
        try (java.io.Reader reader = Files.newBufferedReader(Path.of("application.properties"))) {
            defaults.load(reader);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String value = defaults.getProperty(key);
        if (value == null) {
            throw new IllegalStateException(key + " is not in application.properties");
        }
        return value.trim();
    }

    /** Row changes per streaming transaction: a rental, two payments, a customer, a film, an amount, a refund. */
    static final int CHANGES_PER_TRANSACTION = 7;
    /** Refreshes over at most this many changes are measured {@link #REFRESH_ROUNDS} times, and their median kept. */
    static final int SMALL_REFRESH = 1_000;
    static final int REFRESH_ROUNDS = 5;

    private final Settings settings;

    public Benchmark(Settings settings) {
        this.settings = settings;
    }

    public Figures run(int seed) throws Exception {
        Figures figures = new Figures();
        // A fresh folder each time: a source, warehouse or slot left by an earlier run would skew everything.
        Path work = Files.createTempDirectory(Files.createDirectories(settings.work()), "run-" + seed + "-");
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, settings.scale(), seed);
        long peakRss = 0;
        DebeziumServerPeer server = null;
        try {
            long rows = sourceRows(source);
            figures.put("source rows", rows);
            figures.put("raw load rows/s", rawLoad(source, work, rows));

            Map<String, String> environment = environment(source, work);
            PipelineProcess pipeline = new PipelineProcess(work, environment);

            // 1. Initial load.
            initialLoad(pipeline, rows, figures);
            peakRss = Math.max(peakRss, phaseRss(figures, "initial load", pipeline.peakRssBytes()));
            pipeline.terminate();
            String tables = SourceDatabases.TABLES.stream().map(table -> "public." + table)
                    .collect(java.util.stream.Collectors.joining(","));
            // The same initial load by Debezium Server with its JDBC sink (bench/run --peers), from its start.
            server = DebeziumServerPeer.configured(source, work, tables);
            if (server != null) {
                figures.put("debezium server load rows/s", rows / server.snapshot(rows));
                figures.put("pipeline / debezium server, initial load", figures.values.get("pipeline load rows/s")
                        / figures.values.get("debezium server load rows/s"));
            }

            // 2. Streaming: the same WAL, decoded raw and drained by the pipeline, then by each peer. Equal change
            // sets, applied before the drains: the first set's rate is the cold start (a restarted process, its JIT
            // compiling the event path while it drains), and the steady rate is timed over the last measuredSets,
            // after the sets before them warmed the process up (its JIT takes about half a million events to
            // settle on 2 cores), which is what a CDC process that has been running is. Each drain is timed by
            // the same clock (DrainClock). Debezium's ceiling: its slot and streaming offset exist before the sets.
            DebeziumCeiling ceiling = new DebeziumCeiling(source, work, tables);
            ceiling.prepare();
            try (Connection connection = source.connect(EmbeddedSource.DATABASE); Statement statement = connection.createStatement()) {
                statement.execute("select pg_create_logical_replication_slot('bench_raw', 'pgoutput')");
            }
            long[] setEnds = new long[settings.streamingSets()];
            for (int set = 0; set < setEnds.length; set++) {
                setEnds[set] = (set == 0 ? 0 : setEnds[set - 1]) + applyChangeSet(source, settings.streamingTransactions());
            }
            long total = setEnds[setEnds.length - 1];
            long first = setEnds[0];
            long warmUp = setEnds[setEnds.length - 1 - settings.measuredSets()];
            figures.put("streaming changes", total);
            figures.put("streaming changes timed (warm)", total - warmUp);
            figures.put("raw decoding events/s", total / rawDecodingSeconds(source));
            Path wallProfiler = Boolean.getBoolean("bench.profile") ? WallProfile.library() : null;
            if (Boolean.getBoolean("bench.profile") && wallProfiler == null) {
                // bench/run --profile without async-profiler: a flight recording of the streaming process (read
                // with jfr print/summary).
                pipeline.javaOptions("-Xmx512m", "-XX:FlightRecorderOptions:stackdepth=256",
                        "-XX:StartFlightRecording=filename=" + work.resolve("streaming.jfr")
                        + ",settings=profile,dumponexit=true");
            }
            pipeline.start();
            // With async-profiler: where the streaming threads' wall time goes over the measured sets, attached
            // when the drain reaches them (the same clock times the whole drain either way).
            WallProfile[] profile = new WallProfile[1];
            DrainClock pipelineClock = drain(pipeline, warmUp, total, figures.series("pipeline"), wallProfiler == null ? null
                    : () -> profile[0] = WallProfile.startOrNull(pipeline.pid(), wallProfiler, work.resolve("streaming-wall.collapsed")));
            if (profile[0] != null) {
                profile[0].stop().forEach((state, share) -> figures.put("pipeline drain wall %, " + state, share));
            }
            figures.put("pipeline streaming events/s, cold start", pipelineClock.rate(1, first));
            figures.put("pipeline streaming events/s", pipelineClock.rate(warmUp, total));
            figures.put("streaming ratio", figures.values.get("pipeline streaming events/s") / figures.values.get("raw decoding events/s"));
            pipelineClock.cpu.forEach((group, share) -> figures.put("pipeline drain CPU %, " + group, share));
            peakRss = Math.max(peakRss, phaseRss(figures, "streaming", pipeline.peakRssBytes()));
            pipeline.terminate();
            pipeline.javaOptions("-Xmx512m");
            // The same change sets drained by Debezium alone (the pipeline stopped: the cores are its).
            DrainClock ceilingClock = ceiling.drain(warmUp, total, figures.series("debezium ceiling (embedded engine, counting)"));
            figures.put("debezium ceiling events/s, cold start", ceilingClock.rate(1, first));
            figures.put("debezium ceiling events/s", ceilingClock.rate(warmUp, total));
            figures.put("pipeline / debezium ceiling", figures.values.get("pipeline streaming events/s")
                    / figures.values.get("debezium ceiling events/s"));
            ceilingClock.cpu.forEach((group, share) -> figures.put("debezium ceiling drain CPU %, " + group, share));
            // Its latency at the pipeline's fixed rates: record arrival in the counting consumer less the source
            // commit time the record carries (source.ts_ms).
            ceiling.latency(settings.latencyRates(), settings.latencyDuration(), figures);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE); Statement statement = connection.createStatement()) {
                statement.execute("select pg_drop_replication_slot('bench_ceiling')");
            }
            if (server != null) {
                // And by Debezium Server, into its sink: done when the sink's payments equal the source's.
                DrainClock serverClock = server.drain((long) settings.streamingTransactions() * settings.streamingSets(),
                        figures.series("debezium server 3.6.1, jdbc sink"));
                figures.put("debezium server events/s, cold start", serverClock.rate(1, first));
                figures.put("debezium server events/s", serverClock.rate(warmUp, total));
                figures.put("pipeline / debezium server, streaming", figures.values.get("pipeline streaming events/s")
                        / figures.values.get("debezium server events/s"));
                server.latency(settings.latencyRates(), settings.latencyDuration(), figures);
                figures.put("debezium server peak RSS MiB", server.peakRssBytes() / (1024.0 * 1024.0));
                server.close();
                server = null;
            }

            // 3. Latency at fixed rates, with the marts on a one-second timer.
            environment.put("PIPELINE_MARTS_ENABLED", "true");
            environment.put("PIPELINE_MARTS_INTERVAL_MS", "1000");
            PipelineProcess timed = new PipelineProcess(work, environment);
            timed.start();
            // The marts were off until now: let their first, full build finish before measuring.
            Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> timed.readinessStatus() == 200 && !"null".equals(timed.readinessText("appliedSourceCommit")));
            // The peers' latency loads wait in this slot too: drained before the pipeline is timed.
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                timed.awaitCaughtUp(connection, Duration.ofMinutes(15));
            }
            List<long[]> windows = new ArrayList<>();
            for (int rate : settings.latencyRates()) {
                long from = System.currentTimeMillis();
                steadyLoad(source, rate, settings.latencyDuration());
                windows.add(new long[] {rate, from, System.currentTimeMillis()});
            }
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                timed.awaitCaughtUp(connection);
            }
            Thread.sleep(3000);
            peakRss = Math.max(peakRss, phaseRss(figures, "latency, marts on", timed.peakRssBytes()));
            timed.terminate();
            try (Connection warehouse = duckdb(work.resolve("warehouse.duckdb"))) {
                for (long[] window : windows) {
                    latency(warehouse, figures, (int) window[0], window[1], window[2]);
                }
            }

            // 4. Mart refresh: incremental after n changes against a full rebuild, cycles run on demand.
            environment.put("PIPELINE_MARTS_INTERVAL_MS", "86400000");
            PipelineProcess onDemand = new PipelineProcess(work, environment);
            onDemand.start();
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> onDemand.readinessStatus() == 200);
            refreshMillis(onDemand, "refresh");
            // One cycle with a change first, not measured: a running pipeline's cycles find their statements
            // prepared (the first cycle after a start prepares them).
            onDemand.awaitStaged(changePayments(source, 1));
            refreshMillis(onDemand, "refresh");
            for (int count : settings.refreshChanges()) {
                // A cycle over a few changes takes tens of milliseconds, where one pause (a collection, the
                // scheduler on 2 shared cores) doubles a single sample: those are the median of several.
                List<Double> cycles = new ArrayList<>();
                for (int round = 0; round < (count <= SMALL_REFRESH ? REFRESH_ROUNDS : 1); round++) {
                    onDemand.awaitStaged(changePayments(source, count));
                    cycles.add(refreshMillis(onDemand, "refresh"));
                }
                figures.put("refresh after " + count + " changes ms", median(cycles));
            }
            double rebuild = refreshMillis(onDemand, "rebuild");
            figures.put("full rebuild ms", rebuild);
            for (int count : settings.refreshChanges()) {
                figures.put("rebuild / refresh after " + count, rebuild / Math.max(1, figures.values.get("refresh after " + count + " changes ms")));
            }
            peakRss = Math.max(peakRss, phaseRss(figures, "refresh and rebuild", onDemand.peakRssBytes()));
            onDemand.terminate();

            // 5. One large source transaction, in a database of its own (its own capture and warehouse).
            long large = largeTransaction(source, work, figures);
            peakRss = Math.max(peakRss, large);
            figures.put("peak RSS MiB", peakRss / (1024.0 * 1024.0));

            // 6. Snowflake's two ways of appending a staging batch, through the real driver against the emulator.
            io.livewarehouse.warehouse.SnowflakeLoadBench.measure(work, settings.snowflakeBatches(), settings.snowflakeRows())
                    .forEach(figures::put);
            return figures;
        } finally {
            // A failed run must not leave Debezium Server running (its own process, its port) or its slot.
            if (server != null) {
                server.close();
            }
            source.close();
        }
    }

    /** Records one phase's peak RSS (its own pipeline process's VmHWM) as a figure, and returns it. */
    private static long phaseRss(Figures figures, String phase, long bytes) {
        figures.put("peak RSS MiB, " + phase, bytes / (1024.0 * 1024.0));
        return bytes;
    }

    /** The pipeline process's environment for a run: the source, a DuckDB file and state in {@code work}, marts off. */
    private static Map<String, String> environment(EmbeddedSource source, Path work) {
        return new HashMap<>(Map.of(
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                "PIPELINE_SOURCE_PASSWORD", "embedded",
                "PIPELINE_WAREHOUSE_DUCKDB_PATH", work.resolve("warehouse.duckdb").toString(),
                "PIPELINE_STATE_DIR", work.resolve("state").toString(),
                "PIPELINE_MARTS_ENABLED", "false"));
    }

    /**
     * The initial load: rows per second from the process's start until its startup probe says staging holds every
     * snapshot row, and the snapshot copy's own rate from its log line.
     */
    private static void initialLoad(PipelineProcess pipeline, long rows, Figures figures) throws Exception {
        long started = System.nanoTime();
        pipeline.start();
        Awaitility.await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> pipeline.get("/q/health/started").status() == 200);
        double loadSeconds = seconds(System.nanoTime() - started);
        figures.put("pipeline load rows/s", rows / loadSeconds);
        figures.put("initial load ratio", figures.values.get("pipeline load rows/s") / figures.values.get("raw load rows/s"));
        // The same load without the process's start (JVM, Quarkus, Camel): the snapshot by COPY's own time.
        // (Its log line comes just after the commit that turns the startup probe UP: give it a moment.)
        java.util.regex.Pattern copyLine = java.util.regex.Pattern
                .compile("Snapshot by COPY: (\\d+) rows of \\d+ tables staged in (\\d+) ms");
        java.util.regex.Matcher copied = copyLine.matcher(pipeline.output());
        for (int wait = 0; wait < 50 && !copied.find(); wait++) {
            Thread.sleep(100);
            copied = copyLine.matcher(pipeline.output());
        }
        if (copied.find(0)) {
            figures.put("snapshot copy rows/s (process start excluded)",
                    Long.parseLong(copied.group(1)) * 1000.0 / Math.max(1, Long.parseLong(copied.group(2))));
            figures.put("snapshot copy ratio", figures.values.get("snapshot copy rows/s (process start excluded)")
                    / figures.values.get("raw load rows/s"));
        }
    }

    /**
     * The initial load alone at {@code scale} (bench/run's load scale, 50): a fresh source, its raw load and the
     * pipeline's, to show how the process's start is amortised as the data grows.
     */
    public Figures initialLoadOnly(int scale, int seed) throws Exception {
        Figures figures = new Figures();
        Path work = Files.createTempDirectory(Files.createDirectories(settings.work()), "load-" + scale + "-");
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, scale, seed);
        try {
            long rows = sourceRows(source);
            figures.put("source rows", rows);
            figures.put("raw load rows/s", rawLoad(source, work, rows));
            PipelineProcess pipeline = new PipelineProcess(work, environment(source, work));
            initialLoad(pipeline, rows, figures);
            figures.put("peak RSS MiB", pipeline.peakRssBytes() / (1024.0 * 1024.0));
            pipeline.terminate();
            return figures;
        } finally {
            source.close();
        }
    }

    /**
     * One transaction updating every row of a table of {@code largeTransactionRows} rows: the rate at which it is
     * staged, and the peak resident memory of the process while it does (batches of such a transaction are
     * written as they fill, so memory does not grow with its size). Returns that peak in bytes.
     */
    private long largeTransaction(EmbeddedSource source, Path work, Figures figures) throws Exception {
        int rows = settings.largeTransactionRows();
        try (Connection admin = source.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("create database bench_large");
        }
        try (Connection connection = source.connect("bench_large"); Statement statement = connection.createStatement()) {
            statement.execute("create table items (id integer primary key, version integer not null, label text)");
            statement.execute("insert into items select i, 0, 'item number ' || i from generate_series(1, " + rows + ") i");
        }
        Path own = Files.createDirectories(work.resolve("large-transaction"));
        PipelineProcess pipeline = PipelineProcess.against(own, source, "bench_large",
                "PIPELINE_SOURCE_TABLES", "public.items", "PIPELINE_MARTS_ENABLED", "false");
        pipeline.start();
        try {
            Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> "streaming".equals(pipeline.readinessText("phase")));
            long transaction;
            long started;
            try (Connection connection = source.connect("bench_large")) {
                transaction = SourceDatabases.inTransaction(connection, "update items set version = version + 1");
                started = System.nanoTime();
            }
            pipeline.awaitStaged(transaction, Duration.ofMinutes(30));
            figures.put("large transaction rows", rows);
            figures.put("large transaction staged rows/s", rows / seconds(System.nanoTime() - started));
            long peak = pipeline.peakRssBytes();
            figures.put("large transaction peak RSS MiB", peak / (1024.0 * 1024.0));
            return peak;
        } finally {
            pipeline.terminate();
        }
    }

    private static long sourceRows(EmbeddedSource source) throws SQLException {
        long rows = 0;
        try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
            for (String table : SourceDatabases.TABLES) {
                rows += (Long) SourceDatabases.single(connection, "select count(*) from public." + table);
            }
        }
        return rows;
    }

    /** COPY TO STDOUT of every table into a CSV file, read by DuckDB's CSV reader into a table: rows/s. */
    private static double rawLoad(EmbeddedSource source, Path work, long rows) throws Exception {
        Path csv = Files.createDirectories(work.resolve("raw"));
        long started = System.nanoTime();
        try (Connection connection = source.connect(EmbeddedSource.DATABASE);
             Connection duckdb = duckdb(work.resolve("raw.duckdb"));
             Statement load = duckdb.createStatement()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            for (String table : SourceDatabases.TABLES) {
                Path file = csv.resolve(table + ".csv");
                try (OutputStream out = Files.newOutputStream(file)) {
                    copy.copyOut("copy (select * from public." + table + ") to stdout with (format csv, header true)", out);
                }
                load.execute("create table " + table + " as select * from read_csv('" + file + "', header = true)");
            }
        }
        return rows / seconds(System.nanoTime() - started);
    }

    /**
     * Commits {@code transactions} transactions of {@link #CHANGES_PER_TRANSACTION} row changes each, as fast
     * as the source takes them: a rental and its payment, a customer edit, a refund, a film and a payment
     * update. Returns the number of row changes.
     */
    static long applyChangeSet(EmbeddedSource source, int transactions) throws SQLException {
        long changes = 0;
        try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
            connection.setAutoCommit(false);
            long maxInventory = (Long) SourceDatabases.single(connection, "select max(inventory_id)::bigint from public.inventory");
            long maxCustomer = (Long) SourceDatabases.single(connection, "select max(customer_id)::bigint from public.customer");
            long maxFilm = (Long) SourceDatabases.single(connection, "select max(film_id)::bigint from public.film");
            try (PreparedStatement rental = connection.prepareStatement(
                         "insert into public.rental (rental_date, inventory_id, customer_id, staff_id) values (now(), ?, ?, 1) returning rental_id");
                 PreparedStatement payment = connection.prepareStatement(
                         "insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date) values (?, 1, ?, 4.99, now()) returning payment_id");
                 PreparedStatement customer = connection.prepareStatement(
                         "update public.customer set email = 'bench' || ? || '@example.com' where customer_id = ?");
                 PreparedStatement refund = connection.prepareStatement("delete from public.payment where payment_id = ?");
                 PreparedStatement film = connection.prepareStatement(
                         "update public.film set rental_rate = rental_rate where film_id = ?");
                 PreparedStatement amount = connection.prepareStatement(
                         "update public.payment set amount = 5.99 where payment_id = ?")) {
                for (int i = 0; i < transactions; i++) {
                    long customerId = 1 + (i * 7919L) % maxCustomer;
                    rental.setLong(1, 1 + (i * 104729L) % maxInventory);
                    rental.setLong(2, customerId);
                    long rentalId = single(rental);
                    payment.setLong(1, customerId);
                    payment.setLong(2, rentalId);
                    long first = single(payment);
                    long second = single(payment);
                    customer.setInt(1, i);
                    customer.setLong(2, customerId);
                    customer.executeUpdate();
                    film.setLong(1, 1 + (i * 31L) % maxFilm);
                    film.executeUpdate();
                    amount.setLong(1, second);
                    amount.executeUpdate();
                    refund.setLong(1, first);
                    refund.executeUpdate();
                    connection.commit();
                    changes += CHANGES_PER_TRANSACTION;
                }
            }
        }
        return changes;
    }

    private static long single(PreparedStatement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Seconds PostgreSQL takes to decode the change set from the second slot with pgoutput. */
    private static double rawDecodingSeconds(EmbeddedSource source) throws SQLException {
        try (Connection connection = source.connect(EmbeddedSource.DATABASE); Statement statement = connection.createStatement()) {
            long started = System.nanoTime();
            try (ResultSet messages = statement.executeQuery("select count(*) from pg_logical_slot_get_binary_changes("
                    + "'bench_raw', null, null, 'proto_version', '1', 'publication_names', 'live_warehouse')")) {
                messages.next();
            }
            double elapsed = seconds(System.nanoTime() - started);
            statement.execute("select pg_drop_replication_slot('bench_raw')");
            return elapsed;
        }
    }

    /**
     * Drains the change sets in the started pipeline, timed by its count of staged rows, and where its CPU goes
     * (by thread group, in % of one core) while it drains the measured sets after {@code warmUp}; {@code onWarm}
     * (when not null) runs once, at the first poll that sees the measured sets begin.
     */
    private static DrainClock drain(PipelineProcess pipeline, long warmUp, long total, List<double[]> samples,
                                    Runnable onWarm) {
        DrainClock clock = new DrainClock(samples, pipeline.pid(), warmUp, total);
        if (onWarm != null) {
            clock.whenWarm(onWarm);
        }
        Awaitility.await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> clock.sample(pipeline.readinessNumber("rowsStaged")) >= total);
        return clock;
    }

    /** Single-change transactions (a payment's amount) at {@code rate} per second for {@code duration}. */
    private static void steadyLoad(EmbeddedSource source, int rate, Duration duration) throws Exception {
        steadyLoad(source, rate, duration, null);
    }

    /**
     * The same, and when {@code commits} is not null each transaction's (payment id, wall-clock millis once its
     * commit returned) goes to it: how a peer whose sink keeps no source time is timed.
     */
    static void steadyLoad(EmbeddedSource source, int rate, Duration duration, List<long[]> commits) throws Exception {
        int threads = Math.max(1, Math.min(8, rate / 250));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + duration.toNanos();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int worker = t;
            workers.add(pool.submit(() -> {
                try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                     PreparedStatement update = connection.prepareStatement(
                             "update public.payment set amount = amount where payment_id = "
                                     + "(select min(payment_id) from public.payment where payment_id >= ?)")) {
                    long interval = TimeUnit.SECONDS.toNanos(1) * threads / rate;
                    long next = System.nanoTime();
                    long i = worker;
                    while (next < end) {
                        long id = 1 + (i * 7919L) % 10_000;
                        update.setLong(1, id);
                        update.executeUpdate();
                        if (commits != null) {
                            commits.add(new long[] {id, System.currentTimeMillis()});
                        }
                        i += threads;
                        next += interval;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
    }

    /** Percentiles of source commit to staging, and to the fact_payment run that applied the change. */
    private static void latency(Connection warehouse, Figures figures, int rate, long fromMillis, long toMillis) throws SQLException {
        String window = " where p._cdc_op = 'u' and p._cdc_source_ts >= to_timestamp(" + fromMillis / 1000.0
                + ") and p._cdc_source_ts < to_timestamp(" + toMillis / 1000.0 + ")";
        try (Statement statement = warehouse.createStatement();
             ResultSet staging = statement.executeQuery("select count(*), "
                     + "quantile_cont(epoch_ms(p._cdc_loaded_at) - epoch_ms(p._cdc_source_ts), [0.5, 0.95, 0.99]) "
                     + "from staging.payment p" + window)) {
            staging.next();
            figures.put("rate " + rate + " changes/s measured", staging.getLong(1) * 1000.0 / (toMillis - fromMillis));
            Object[] percentiles = (Object[]) staging.getArray(2).getArray();
            figures.put("rate " + rate + " staging p50 ms", ((Number) percentiles[0]).doubleValue());
            figures.put("rate " + rate + " staging p95 ms", ((Number) percentiles[1]).doubleValue());
            figures.put("rate " + rate + " staging p99 ms", ((Number) percentiles[2]).doubleValue());
        }
        try (Statement statement = warehouse.createStatement();
             ResultSet marts = statement.executeQuery("select "
                     + "quantile_cont(epoch_ms(r.finished_at) - epoch_ms(p._cdc_source_ts), [0.5, 0.95, 0.99]) "
                     + "from staging.payment p join _pipeline.model_runs r on r.model = 'fact_payment' and r.status = 'ok' "
                     + "and p._cdc_loaded_at > r.loaded_from and p._cdc_loaded_at <= r.loaded_through" + window)) {
            marts.next();
            Object[] percentiles = (Object[]) marts.getArray(1).getArray();
            figures.put("rate " + rate + " marts p50 ms", ((Number) percentiles[0]).doubleValue());
            figures.put("rate " + rate + " marts p95 ms", ((Number) percentiles[1]).doubleValue());
            figures.put("rate " + rate + " marts p99 ms", ((Number) percentiles[2]).doubleValue());
        }
    }

    /** p50, p95 and p99 of {@code millis} (linear between ranks, as quantile_cont) under {@code prefix}. */
    static void percentiles(Figures figures, String prefix, List<Long> millis) {
        if (millis.isEmpty()) {
            return;
        }
        List<Long> sorted = millis.stream().sorted().toList();
        for (int p : new int[] {50, 95, 99}) {
            double rank = (sorted.size() - 1) * p / 100.0;
            int low = (int) Math.floor(rank);
            int high = Math.min(sorted.size() - 1, low + 1);
            figures.put(prefix + " p" + p + " ms", sorted.get(low) + (sorted.get(high) - sorted.get(low)) * (rank - low));
        }
    }

    /** Updates {@code count} payments in one statement. */
    /**
     * Changes the amount of the first {@code count} payments in one transaction and returns its id: waiting
     * for that transaction in staging, rather than for a marker change of another table, keeps the refresh
     * measured to exactly these changes.
     */
    static long changePayments(EmbeddedSource source, int count) throws SQLException {
        try (Connection connection = source.connect(EmbeddedSource.DATABASE);
             PreparedStatement update = connection.prepareStatement("update public.payment set amount = amount + 0.01 "
                     + "where payment_id in (select payment_id from public.payment order by payment_id limit ?)")) {
            connection.setAutoCommit(false);
            update.setInt(1, count);
            update.executeUpdate();
            long transaction = (Long) SourceDatabases.single(connection, "select txid_current()");
            connection.commit();
            return transaction;
        }
    }

    private static double refreshMillis(PipelineProcess pipeline, String what) {
        PipelineProcess.Answer answer = pipeline.post("/pipeline/marts/" + what);
        if (answer.status() != 200) {
            throw new IllegalStateException("POST /pipeline/marts/" + what + " answered " + answer.status() + ": " + answer.body());
        }
        java.util.regex.Matcher duration = java.util.regex.Pattern.compile("\"durationMillis\"\\s*:\\s*(\\d+)").matcher(answer.body());
        if (!duration.find()) {
            throw new IllegalStateException("no duration in " + answer.body());
        }
        return Double.parseDouble(duration.group(1));
    }

    private static Connection duckdb(Path file) throws SQLException {
        return new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** The results as a markdown report: the machine, the settings, and per figure the median and spread. */
    public static String report(Settings settings, List<Figures> runs) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("| machine | |\n|---|---|\n")
                .append("| cores | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n")
                .append("| memory | ").append(memory()).append(" |\n")
                .append("| JVM (harness; the pipeline runs on the same) | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" |\n")
                .append("| Debezium (the pipeline's, and its ceiling's) | ")
                .append(io.debezium.connector.postgresql.Module.version()).append(" |\n")
                .append("| peer | ").append(System.getProperty("bench.peers.debeziumServer", "").isBlank()
                        ? "none (bench/run --peers adds Debezium Server)"
                        : "Debezium Server 3.6.1, JDBC sink into PostgreSQL on the source's server, on "
                                + System.getProperty("bench.peers.java")).append(" |\n")
                .append("| scale | ").append(settings.scale()).append(" |\n")
                .append("| runs | ").append(runs.size()).append(" |\n\n");
        return out.append(table(runs)).toString();
    }

    /** Per figure of the runs: median, minimum and maximum. */
    static String table(List<Figures> runs) {
        StringBuilder out = new StringBuilder("| figure | median | min | max |\n|---|---:|---:|---:|\n");
        for (String name : runs.get(0).values().keySet()) {
            List<Double> values = runs.stream().map(run -> run.values().get(name)).filter(v -> v != null).sorted().toList();
            double median = median(values);
            out.append("| ").append(name).append(" | ").append(format(median)).append(" | ")
                    .append(format(values.get(0))).append(" | ").append(format(values.get(values.size() - 1))).append(" |\n");
        }
        return out.toString();
    }

    /** The median; of an even number of values, the mean of the middle two. */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    }

    private static String format(double value) {
        return Math.abs(value) >= 100 ? String.format("%,.0f", value) : String.format("%.2f", value);
    }

    private static String memory() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                long kib = Long.parseLong(line.replaceAll("\\D", ""));
                return String.format("%.1f GiB", kib / (1024.0 * 1024.0));
            }
        }
        return "unknown";
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (Writer writer = Files.newBufferedWriter(file)) {
            writer.write(text);
        }
    }
}
