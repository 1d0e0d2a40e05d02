package io.livewarehouse.operations;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The source crashes twice under load: its postmaster is killed with SIGKILL (no shutdown, no checkpoint: the
 * replication slot comes back as of its last checkpoint, behind what the pipeline confirmed) and started again
 * at once. The pipeline rides it out without a restart of its own, without a new snapshot, and ends with
 * staging equal to the source, no change lost or doubled. Its slot is a failover slot
 * ({@code pipeline.cdc.failover-slot}), as a deployment with standbys would make it. Last, the source
 * invalidates the slot ({@code max_slot_wal_keep_size}) while the pipeline is stopped: the next start takes a
 * new snapshot, and staging again equals the source.
 */
class SourceCrashIT {

    @Test
    void aSourceKilledTwiceUnderLoadLosesAndDoublesNothing() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "source-crash").toAbsolutePath();
        Path postgresDir = work.resolve("postgres");
        EmbeddedSource source = EmbeddedSource.start(postgresDir, 0, 1, 11);
        int port = source.port();
        // As a failover slot: made that way, and kept so across the crashes.
        PipelineProcess pipeline = PipelineProcess.against(work, source, EmbeddedSource.DATABASE,
                "PIPELINE_CDC_FAILOVER_SLOT", "true");
        try {
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 200);
            for (int crash = 1; crash <= 2; crash++) {
                EmbeddedSource running = source;
                SourceLoad load = new SourceLoad(() -> running.connect(EmbeddedSource.DATABASE), 40);
                Thread loadThread = new Thread(load, "source-load");
                loadThread.start();
                long stagedBefore = pipeline.readinessNumber("rowsStaged");
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                        .until(() -> pipeline.readinessNumber("rowsStaged") > stagedBefore + 100);
                killPostmaster(postgresDir);
                // Lets go of the data directory (zonky's lock in this JVM); its stop finds nothing to stop.
                try {
                    running.close();
                } catch (Exception expected) {
                    // pg_ctl stop of a server already gone
                }
                loadThread.join(30_000);
                assertThat(load.transactions()).isGreaterThan(10);
                // The pipeline notices: not ready (the source is gone), alive.
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                        .until(() -> pipeline.readinessStatus() == 503);
                assertThat(pipeline.get("/q/health/live").status()).isEqualTo(200);
                source = startAgain(postgresDir, port);
                Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> pipeline.readinessStatus() == 200);
            }
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            // Neither a lost slot nor a new snapshot: the slot only went back to its last checkpoint.
            assertThat(pipeline.output()).doesNotContain("cannot resume");
            assertThat(pipeline.output().split("Snapshot by COPY: \\d+ rows of", -1)).as("snapshots taken").hasSize(2);
            assertThat(pipeline.isAlive()).isTrue();
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                assertThat(io.livewarehouse.support.SourceDatabases.single(connection,
                        "select failover from pg_replication_slots where slot_name = 'live_warehouse'")).isEqualTo(true);
            }
            assertThat(pipeline.terminate()).isIn(0, 143);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + work.resolve("warehouse.duckdb"), new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
            }

            // Then the slot holds more WAL than max_slot_wal_keep_size while the pipeline is stopped: the source
            // invalidates it, and the next start takes a new snapshot instead of streaming on from it.
            try (Connection connection = source.connect(EmbeddedSource.DATABASE); Statement statement = connection.createStatement()) {
                statement.execute("alter system set max_slot_wal_keep_size = '1MB'");
                statement.execute("select pg_reload_conf()");
                statement.execute("update public.customer set email = 'while.invalidated@example.com' where customer_id = 5");
                statement.execute("create table wal_filler as select i, repeat('x', 200) as filler from generate_series(1, 300000) i");
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    statement.execute("select pg_switch_wal()");
                    statement.execute("checkpoint");
                    return "lost".equals(io.livewarehouse.support.SourceDatabases.single(connection,
                            "select wal_status from pg_replication_slots where slot_name = 'live_warehouse'"));
                });
                statement.execute("drop table wal_filler");
                statement.execute("alter system reset max_slot_wal_keep_size");
                statement.execute("select pg_reload_conf()");
            }
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 200);
            assertThat(pipeline.readinessText("slotLost")).contains("was invalidated by the source");
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            assertThat(pipeline.terminate()).isIn(0, 143);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + work.resolve("warehouse.duckdb"), new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
            }
        } finally {
            if (pipeline.isAlive()) {
                pipeline.kill();
            }
            source.close();
        }
    }

    /** SIGKILL to the postmaster; waits until it and its children are gone. */
    private static void killPostmaster(Path dataDirectory) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        var children = postmaster.children().toList();
        postmaster.destroyForcibly();
        postmaster.onExit().get();
        // Backends notice their postmaster's death and leave; a new postmaster waits for its shared memory.
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            child.onExit().get();
        }
    }

    /** Starts PostgreSQL again on the same data directory and port (crash recovery runs first). */
    private static EmbeddedSource startAgain(Path dataDirectory, int port) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 30; attempt++) {
            try {
                return EmbeddedSource.start(dataDirectory, port, 1, 11);
            } catch (Exception e) {
                last = e;
                Thread.sleep(1000);
            }
        }
        throw last;
    }
}
