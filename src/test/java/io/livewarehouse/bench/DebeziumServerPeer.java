package io.livewarehouse.bench;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.SourceDatabases;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a user would run instead: Debezium Server (the distribution {@code bench/run --peers} downloads) with
 * its JDBC sink, upserting every source table into a PostgreSQL database of its own on the source's server
 * ({@code bench_peer}), without Kafka. This is the configuration of the public benchmark in which Debezium
 * Server reached 0.07 of pg_dump|psql: {@code insert.mode=upsert}, {@code primary.key.mode=record_key},
 * {@code delete.enabled=true}, {@code schema.evolution=basic}.
 *
 * <p>It runs as its own process on the Java it needs (21 or later), with the heap limit the pipeline has, and
 * the connector settings of the pipeline's capture where the sink takes them. Progress is read from the sink:
 * the snapshot is done when every table holds the source's row count; in streaming, every transaction of the
 * change sets inserts one rental (rentals are never deleted), so rentals arrived times
 * {@link Benchmark#CHANGES_PER_TRANSACTION} is the events applied, and the drain is done when the sink's
 * payments equal the source's in count and sum (so what it wrote is also checked).
 */
final class DebeziumServerPeer {

    static final String DATABASE = "bench_peer";
    private static final String SLOT = "bench_ds";

    private final EmbeddedSource source;
    private final Path home;
    private final Path java;
    private final Path work;
    private final String tables;
    private Process process;
    private Path log;
    private volatile long peakRss;
    private int runs;
    /** One connection to the sink and one to the source for all the polls of a run (not one per poll). */
    private Connection sink;
    private Connection origin;

    DebeziumServerPeer(EmbeddedSource source, Path home, Path java, Path work, String tables) {
        this.source = source;
        this.home = home;
        this.java = java;
        this.work = work;
        this.tables = tables;
    }

    /** The peer when {@code bench.peers.debeziumServer} names an unpacked distribution, or null. */
    static DebeziumServerPeer configured(EmbeddedSource source, Path work, String tables) {
        String home = System.getProperty("bench.peers.debeziumServer", "");
        if (home.isBlank()) {
            return null;
        }
        String java = System.getProperty("bench.peers.java", "");
        if (java.isBlank()) {
            throw new IllegalStateException("bench.peers.java must name a java binary of version 21 or later (Debezium Server 3.6 needs it)");
        }
        return new DebeziumServerPeer(source, Path.of(home), Path.of(java), work, tables);
    }

    /**
     * The snapshot: from the process's start until the sink holds every source row. Leaves the peer stopped
     * with its slot and a streaming offset stored, so that it can drain the change sets applied after this.
     * Returns the seconds it took.
     */
    double snapshot(long rows) throws Exception {
        try (Connection admin = source.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("create database " + DATABASE);
        }
        long started = System.nanoTime();
        start("initial");
        Awaitility.await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> running() && sinkRows() >= rows);
        double seconds = (System.nanoTime() - started) / 1e9;
        // Let it pass into streaming and store that offset before it stops.
        Thread.sleep(3000);
        stop();
        return seconds;
    }

    /**
     * Drains the change sets, timed by the rentals in its sink ({@link Benchmark#CHANGES_PER_TRANSACTION} events
     * each), and done when the sink's payments equal the source's.
     */
    DrainClock drain(long totalTransactions, List<double[]> samples) throws Exception {
        long before = rentals();
        start("no_data");
        DrainClock clock = new DrainClock(samples);
        long total = totalTransactions * Benchmark.CHANGES_PER_TRANSACTION;
        Awaitility.await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            running();
            long arrived = (rentals() - before) * Benchmark.CHANGES_PER_TRANSACTION;
            // The last set counts as arrived once the payments, written after the rentals, are there too.
            if (arrived >= total && paymentsEqual()) {
                clock.sample(total);
                return true;
            }
            clock.sample(Math.min(arrived, total - 1));
            return false;
        });
        stop();
        return clock;
    }

    /**
     * Latency at fixed rates, the pipeline's single-payment transactions: from each source commit (the time its
     * commit returned to the load) to its row's upsert in the sink, stamped there by a trigger of the
     * benchmark's (one insert more per row in the sink's transaction, which slows the sink a little). The sink
     * upserts a batch's changes of one row at once, so an arrival times every commit of that row before it
     * not yet timed. The server first drains what waits in its slot (a sentinel change of customer 1's email
     * marks the end of it).
     */
    void latency(List<Integer> rates, Duration duration, Benchmark.Figures figures) throws Exception {
        try (Connection sink = source.connect(DATABASE); Statement statement = sink.createStatement()) {
            statement.execute("create table bench_arrivals (payment_id integer, arrived_at timestamptz default clock_timestamp())");
            statement.execute("create function bench_arrived() returns trigger language plpgsql as "
                    + "$$ begin insert into bench_arrivals (payment_id) values (new.payment_id); return null; end $$");
            statement.execute("create trigger bench_arrived after insert or update on " + sinkTable("payment")
                    + " for each row execute function bench_arrived()");
        }
        start("no_data");
        try (Connection origin = source.connect(EmbeddedSource.DATABASE); Statement statement = origin.createStatement()) {
            statement.execute("update public.customer set email = '" + DebeziumCeiling.SENTINEL + "' || 'ds' where customer_id = 1");
        }
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            running();
            try (Connection sink = source.connect(DATABASE); Statement statement = sink.createStatement()) {
                return (DebeziumCeiling.SENTINEL + "ds").equals(single(statement,
                        "select email from " + sinkTable("customer") + " where customer_id = 1"));
            }
        });
        for (int rate : rates) {
            try (Connection sink = source.connect(DATABASE); Statement statement = sink.createStatement()) {
                statement.execute("truncate bench_arrivals");
            }
            List<long[]> commits = Collections.synchronizedList(new ArrayList<>());
            Benchmark.steadyLoad(source, rate, duration, commits);
            long last = commits.stream().mapToLong(commit -> commit[1]).max().orElse(0);
            // Done when the latest commit's row arrived after it.
            long lastId = commits.stream().filter(commit -> commit[1] == last).findFirst().map(commit -> commit[0]).orElse(0L);
            Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                running();
                try (Connection sink = source.connect(DATABASE); Statement statement = sink.createStatement()) {
                    return single(statement, "select count(*) from bench_arrivals where payment_id = " + lastId
                            + " and arrived_at >= to_timestamp(" + last / 1000.0 + ")") instanceof Number n && n.longValue() > 0;
                }
            });
            Benchmark.percentiles(figures, "debezium server rate " + rate, matched(commits));
        }
        stop();
    }

    /** Each commit's latency: to the first arrival of its row at or after it (see {@link #latency}). */
    private List<Long> matched(List<long[]> commits) throws SQLException {
        Map<Long, ArrayDeque<Long>> pending = new HashMap<>();
        commits.stream().sorted(Comparator.comparingLong(commit -> commit[1]))
                .forEach(commit -> pending.computeIfAbsent(commit[0], id -> new ArrayDeque<>()).add(commit[1]));
        List<Long> latencies = new ArrayList<>();
        try (Connection sink = source.connect(DATABASE); Statement statement = sink.createStatement();
             var rows = statement.executeQuery("select payment_id, (extract(epoch from arrived_at) * 1000)::bigint "
                     + "from bench_arrivals order by arrived_at")) {
            while (rows.next()) {
                ArrayDeque<Long> waiting = pending.get(rows.getLong(1));
                long arrived = rows.getLong(2);
                while (waiting != null && !waiting.isEmpty() && waiting.peek() <= arrived) {
                    latencies.add(arrived - waiting.poll());
                }
            }
        }
        return latencies;
    }

    /** The most resident memory any of the peer's processes used (VmHWM), in bytes. */
    long peakRssBytes() {
        return peakRss;
    }

    /** Stops the server if it still runs (a phase that failed), then drops its slot and sink database. */
    void close() throws SQLException, InterruptedException {
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } finally {
            for (Connection connection : new Connection[] {sink, origin}) {
                if (connection != null) {
                    connection.close();
                }
            }
            try (Connection connection = source.connect(EmbeddedSource.DATABASE); Statement statement = connection.createStatement()) {
                statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '" + SLOT + "'");
            }
            try (Connection admin = source.connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("drop database if exists " + DATABASE);
            }
        }
    }

    private void start(String snapshotMode) throws IOException {
        Path data = Files.createDirectories(work.resolve("debezium-server"));
        // Debezium Server reads config/application.properties from its working directory, the distribution.
        Files.writeString(home.resolve("config/application.properties"), configuration(data, snapshotMode));
        Path log = data.resolve("run-" + (++runs) + ".log");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m",
                // Quarkus's thread pool resets thread locals by reflection: Java 24 and later ask for this.
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp",
                "debezium-server-dist-3.6.1.Final-runner.jar:config/lib:lib/*", "io.debezium.server.Main"));
        this.log = log;
        Process started = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        process = started;
        // Watches this start's process only: a later start has a watcher of its own.
        Thread watcher = new Thread(() -> {
            while (started.isAlive()) {
                peakRss = Math.max(peakRss, rss(started.pid()));
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "debezium-server-rss");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** True while the server runs; a server that exited fails the wait at once, naming its log. */
    private boolean running() {
        if (!process.isAlive()) {
            throw new IllegalStateException("Debezium Server exited with " + process.exitValue() + "; see " + log);
        }
        return true;
    }

    private void stop() throws InterruptedException {
        peakRss = Math.max(peakRss, rss(process.pid()));
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private String configuration(Path data, String snapshotMode) {
        String url = "jdbc:postgresql://localhost:" + source.port() + "/" + DATABASE;
        return String.join("\n",
                "quarkus.http.port=18089",
                "quarkus.log.console.json=false",
                "quarkus.log.level=INFO",
                "debezium.sink.type=jdbc",
                "debezium.sink.jdbc.connection.url=" + url,
                "debezium.sink.jdbc.connection.username=" + EmbeddedSource.USER,
                "debezium.sink.jdbc.connection.password=embedded",
                "debezium.sink.jdbc.insert.mode=upsert",
                "debezium.sink.jdbc.primary.key.mode=record_key",
                "debezium.sink.jdbc.delete.enabled=true",
                "debezium.sink.jdbc.schema.evolution=basic",
                "debezium.sink.jdbc.batch.size=4096",
                "debezium.source.connector.class=io.debezium.connector.postgresql.PostgresConnector",
                "debezium.source.offset.storage.file.filename=" + data.resolve("offsets.dat"),
                "debezium.source.offset.flush.interval.ms=0",
                "debezium.source.database.hostname=localhost",
                "debezium.source.database.port=" + source.port(),
                "debezium.source.database.user=" + EmbeddedSource.USER,
                "debezium.source.database.password=embedded",
                "debezium.source.database.dbname=" + EmbeddedSource.DATABASE,
                "debezium.source.topic.prefix=" + SLOT,
                "debezium.source.plugin.name=pgoutput",
                "debezium.source.slot.name=" + SLOT,
                "debezium.source.publication.name=" + SLOT,
                "debezium.source.publication.autocreate.mode=filtered",
                "debezium.source.table.include.list=" + tables,
                "debezium.source.column.exclude.list=public.staff.password",
                "debezium.source.snapshot.mode=" + snapshotMode,
                "debezium.source.decimal.handling.mode=precise",
                "debezium.source.time.precision.mode=adaptive_time_microseconds",
                "debezium.source.binary.handling.mode=bytes",
                "debezium.source.tombstones.on.delete=false",
                "debezium.source.publish.via.partition.root=true",
                "debezium.source.max.batch.size=" + Benchmark.pipelineDefault("pipeline.cdc.max-batch-size"),
                "debezium.source.max.queue.size=" + Benchmark.pipelineDefault("pipeline.cdc.max-queue-size"),
                "debezium.source.poll.interval.ms=" + Benchmark.pipelineDefault("pipeline.cdc.poll-interval-ms"),
                "");
    }

    /** Rows in the sink's tables, 0 while it has none. */
    private long sinkRows() throws SQLException {
        long rows = 0;
        try (Statement statement = sink().createStatement()) {
            for (String table : SourceDatabases.TABLES) {
                if (exists(statement, sinkTable(table))) {
                    rows += ((Number) single(statement, "select count(*) from " + sinkTable(table))).longValue();
                }
            }
        }
        return rows;
    }

    private long rentals() throws SQLException {
        try (Statement statement = sink().createStatement()) {
            return ((Number) single(statement, "select count(*) from " + sinkTable("rental"))).longValue();
        }
    }

    private boolean paymentsEqual() throws SQLException {
        String totals = "select count(*), coalesce(sum(amount), 0) from ";
        if (origin == null) {
            origin = source.connect(EmbeddedSource.DATABASE);
        }
        try (Statement peer = sink().createStatement(); Statement own = origin.createStatement();
             var theirs = peer.executeQuery(totals + sinkTable("payment"));
             var ours = own.executeQuery(totals + "public.payment")) {
            theirs.next();
            ours.next();
            return theirs.getLong(1) == ours.getLong(1) && theirs.getBigDecimal(2).compareTo(ours.getBigDecimal(2)) == 0;
        }
    }

    /** The sink database (the snapshot phase creates it), opened at the first poll and kept until {@link #close}. */
    private Connection sink() throws SQLException {
        if (sink == null) {
            sink = source.connect(DATABASE);
        }
        return sink;
    }

    /** The JDBC sink's table for a source table: the topic name with its dots as underscores. */
    private static String sinkTable(String table) {
        return SLOT + "_public_" + table;
    }

    private static boolean exists(Statement statement, String table) throws SQLException {
        return single(statement, "select to_regclass('public." + table + "') is not null").equals(Boolean.TRUE);
    }

    private static Object single(Statement statement, String sql) throws SQLException {
        try (var row = statement.executeQuery(sql)) {
            row.next();
            return row.getObject(1);
        }
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
