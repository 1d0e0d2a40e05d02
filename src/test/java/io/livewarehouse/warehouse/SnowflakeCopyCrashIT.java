package io.livewarehouse.warehouse;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged pipeline on Snowflake (the emulator, through the real driver), on its defaults against a
 * scale-10 DVD Rental source: the snapshot comes by PUT and COPY INTO, then one transaction updates every
 * payment, and the pipeline is killed with SIGKILL while one of that transaction's batches is in the middle
 * of its COPY INTO (the batch before it committed without offsets, the one held never commits). After a
 * restart staging equals the source, every payment's new version is staged exactly once, nothing doubled,
 * and the marts (on for the restart) hold every payment and pass their data tests.
 */
class SnowflakeCopyCrashIT {

    @Test
    void killedInTheMiddleOfAStreamingCopyStagingHoldsEveryChangeOnce() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "snowflake-copy-crash").toAbsolutePath();
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 10, 1);
        SnowflakeEmulator emulator = new SnowflakeEmulator(work.resolve("snowflake.duckdb"));
        PipelineProcess pipeline = PipelineProcess.against(work, source, EmbeddedSource.DATABASE,
                "PIPELINE_WAREHOUSE_KIND", "snowflake", "PIPELINE_WAREHOUSE_SNOWFLAKE_URL", emulator.url(),
                "PIPELINE_WAREHOUSE_SNOWFLAKE_USER", "pipeline", "PIPELINE_WAREHOUSE_SNOWFLAKE_PASSWORD", "emulated",
                // Off until the crash: the COPY held is the staging batch's, not a mart cycle's.
                "PIPELINE_MARTS_ENABLED", "false");
        try {
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "streaming".equals(pipeline.readinessText("phase")));
            assertThat(emulator.stageCommands()).as("the snapshot, a file per table")
                    .filteredOn(command -> StageCommands.isCopy(command) && command.contains("SNAPSHOT_")).hasSize(15);
            long payments;
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                payments = ((Number) SourceDatabases.single(connection, "select count(*) from public.payment")).longValue();
            }
            assertThat(payments).isGreaterThan(100_000);
            // The transaction's first batch (pipeline.staging.batch-size, 10,000 events) loads; the next one's
            // COPY waits, and the pipeline dies with it in flight.
            emulator.holdCopies(Pattern.compile("(?i)^\\s*copy\\s+into\\s+\"STAGING\"\\.\"PAYMENT\""), 1);
            long transaction;
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                transaction = SourceDatabases.inTransaction(connection,
                        "update public.payment set amount = amount + 1, payment_date = payment_date + interval '1 second'");
            }
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> emulator.copiesWaiting() > 0);
            pipeline.kill();
            emulator.releaseCopies();
            Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> emulator.copiesWaiting() == 0);
            // The dead process's sessions end (their open transaction with them), as Snowflake's time out.
            emulator.expireSessions();

            // Restarted with the marts on, as production runs: they are built from what staging holds, and the
            // data tests, reconciliation with the source included, pass.
            PipelineProcess restarted = pipeline.with("PIPELINE_MARTS_ENABLED", "true");
            restarted.start();
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                    .until(() -> restarted.readinessNumber("stagedTransactionId") >= transaction);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                List<Object> sourcePayments = SourceDatabases.rows(connection,
                        "select count(*), sum(amount)::text from public.payment").get(0);
                Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .untilAsserted(() -> assertThat(SourceDatabases.rows(emulator.duckdb(),
                                "select count(*), cast(sum(amount) as varchar) from marts.fact_payment").get(0))
                                .isEqualTo(sourcePayments));
            }
            restarted.awaitDataTestsPass();
            assertThat(restarted.terminate()).isIn(0, 143);

            assertThat(emulator.stageCommands()).as("the transaction's batches were loaded from files")
                    .filteredOn(command -> StageCommands.isCopy(command) && StageCommands.copy(command).select() != null)
                    .hasSizeGreaterThan((int) (payments / 10_000));
            Connection staging = emulator.duckdb();
            assertThat(SourceDatabases.rows(staging, "select count(*), count(distinct payment_id) "
                    + "from staging.payment where _cdc_op = 'u' and _cdc_tx_id = " + transaction).get(0))
                    .containsExactly(payments, payments);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
            }
        } finally {
            pipeline.killAll();
            emulator.releaseCopies();
            source.close();
            emulator.close();
        }
    }
}
