package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing lost, nothing doubled, across SIGKILL: the packaged pipeline runs as its own process against a real
 * PostgreSQL under a steady write load, and is killed mid-snapshot and twice mid-stream. After a last, clean
 * run STAGING must hold every source change exactly once and the current state of every row.
 */
class CrashRecoveryIT {

    @Test
    void killedDuringSnapshotAndStreamingStagingStillHoldsEveryChangeExactlyOnce() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "crash-recovery").toAbsolutePath();
        // Scale 3: a snapshot long enough to be killed in the middle of.
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 3, 11);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        PipelineProcess pipeline = new PipelineProcess(work, Map.of(
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                "PIPELINE_SOURCE_PASSWORD", "embedded",
                "PIPELINE_WAREHOUSE_DUCKDB_PATH", warehouseFile.toString(),
                "PIPELINE_STATE_DIR", work.resolve("state").toString(),
                // Small batches: more commits, more moments at which a kill can land.
                "PIPELINE_STAGING_BATCH_SIZE", "2000",
                "PIPELINE_STAGING_FLUSH_INTERVAL_MS", "300"));
        SourceLoad load = new SourceLoad(() -> source.connect(EmbeddedSource.DATABASE), 60);
        Thread loadThread = new Thread(load, "source-load");
        try {
            loadThread.start();

            // 1. Killed in the middle of the snapshot.
            pipeline.start();
            pipeline.awaitOutput("Snapshot by COPY: copying public.payment", Duration.ofMinutes(2));
            pipeline.kill();

            // 2. Restarted: the snapshot is copied again from a new slot, then streaming; killed while the load runs.
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "streaming".equals(pipeline.readinessText("phase")));
            awaitStaged(pipeline, 1);
            Thread.sleep(4000);
            pipeline.kill();

            // 3. Killed again, a few seconds into the next run.
            pipeline.start();
            awaitStaged(pipeline, 1);
            Thread.sleep(3000);
            pipeline.kill();

            // 4. A last run catches up after the load stops; then a clean stop.
            pipeline.start();
            Thread.sleep(3000);
            load.stop();
            loadThread.join();
            assertThat(load.failure()).isNull();
            assertThat(load.transactions()).isGreaterThan(100);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            // 143 = 128 + SIGTERM: the JVM reports the signal it stopped for, after its shutdown hooks ran.
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                // Every rental the load created arrived exactly once: as its insert, or, when it was made before
                // the (redone) snapshot read the table, as that snapshot's row.
                java.util.List<Integer> rentals = load.createdRentals.stream().toList();
                assertThat(rentals).hasSizeGreaterThan(100);
                assertThat(SourceDatabases.single(staging, "select count(*) from (select rental_id from staging.rental"
                        + " where rental_id in (" + ids(rentals) + ") and _cdc_op in ('c', 'r')"
                        + " group by rental_id having count(*) = 1)")).isEqualTo((long) rentals.size());
                // Every refund of a payment staging had seen arrived as exactly one delete.
                java.util.List<Integer> refunds = load.deletedPayments.stream().toList();
                assertThat(refunds).isNotEmpty();
                assertThat(SourceDatabases.single(staging, "select count(*) from (select payment_id,"
                        + " count(*) filter (where _cdc_op = 'd') as deletes,"
                        + " count(*) filter (where _cdc_op in ('c', 'r')) as inserts"
                        + " from staging.payment where payment_id in (" + ids(refunds) + ") group by payment_id)"
                        + " where deletes > 1 or (inserts > 0 and deletes <> 1)")).isEqualTo(0L);
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            }
        } finally {
            load.stop();
            loadThread.join(10_000);
            if (pipeline.isAlive()) {
                pipeline.kill();
            }
            source.close();
        }
    }

    /**
     * One source transaction updating every row of a 300,000-row table, killed with SIGKILL while it is being
     * staged (part of it written without offsets, as batches of a transaction too large to buffer are): the
     * restarted pipeline replays the transaction from its start and staging ends up with each update once.
     * (The benchmark runs a 1,000,000-row transaction for its memory figure; this test keeps CI short.)
     */
    @Test
    void killedInTheMiddleOfALargeTransactionStagingHoldsItWholeAndOnce() throws Exception {
        int rows = 300_000;
        Path work = Files.createTempDirectory(Path.of("target"), "large-transaction").toAbsolutePath();
        EmbeddedSource source = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        try (Connection admin = source.connect("postgres"); java.sql.Statement statement = admin.createStatement()) {
            statement.execute("create database big");
        }
        try (Connection connection = source.connect("big"); java.sql.Statement statement = connection.createStatement()) {
            statement.execute("create table items (id integer primary key, version integer not null, label text)");
            statement.execute("insert into items select i, 0, 'item ' || i from generate_series(1, " + rows + ") i");
        }
        PipelineProcess pipeline = PipelineProcess.against(work, source, "big", "PIPELINE_SOURCE_TABLES", "public.items");
        try {
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "streaming".equals(pipeline.readinessText("phase")));
            long transaction;
            try (Connection connection = source.connect("big")) {
                transaction = SourceDatabases.inTransaction(connection, "update items set version = version + 1");
            }
            // Killed once a good part of the transaction is in staging, without offsets.
            long staged = pipeline.readinessNumber("rowsStaged");
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> pipeline.readinessNumber("rowsStaged") >= staged + rows / 3);
            pipeline.kill();

            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessNumber("stagedTransactionId") >= transaction);
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                assertThat(SourceDatabases.rows(staging, "select count(*), count(distinct id), min(version), max(version) "
                        + "from staging.items where _cdc_op = 'u' and _cdc_tx_id = " + transaction).get(0))
                        .containsExactly((long) rows, (long) rows, 1, 1);
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.items where _cdc_op = 'r'"))
                        .isEqualTo((long) rows);
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.items")).isEqualTo(2L * rows);
            }
        } finally {
            if (pipeline.isAlive()) {
                pipeline.kill();
            }
            source.close();
        }
    }

    private static void awaitStaged(PipelineProcess pipeline, long atLeast) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                .until(() -> pipeline.readinessNumber("batchesStaged") >= atLeast);
    }

    private static String ids(java.util.List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
