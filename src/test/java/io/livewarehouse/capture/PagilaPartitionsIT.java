package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.source.PagilaDump;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pagila, which no one here wrote: DVD Rental's PostgreSQL port with text and timestamptz columns, enums,
 * domains, tsvector, and {@code payment} partitioned by month. Captured by the packaged pipeline on its
 * defaults (the 15 tables, {@code public.payment} among them): the partitioned table's snapshot and every
 * change made through it or straight into a partition, an update that moves a row to another partition, and
 * rows of partitions created or attached later, all arrive under {@code payment}, none under a partition's
 * name; staging equals the source and the DVD Rental marts pass every data test, reconciliation included.
 */
class PagilaPartitionsIT {

    @Test
    void thePartitionedPaymentTableArrivesWholeUnderItsOwnNameAndTheMartsReconcile() throws Exception {
        Path pagila = PagilaDump.locate();
        Assumptions.assumeTrue(pagila != null, "Pagila not found beside the project (../shared/datasets/pagila)");
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "pagila").toAbsolutePath();
        EmbeddedSource postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        PipelineProcess pipeline = null;
        try {
            try (Connection admin = postgres.connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("create database pagila");
            }
            try (Connection connection = postgres.connect("pagila")) {
                PagilaDump.restore(pagila, connection);
            }
            Path warehouseFile = work.resolve("warehouse.duckdb");
            pipeline = PipelineProcess.against(work, postgres, "pagila", "PIPELINE_MARTS_INTERVAL_MS", "2000");
            pipeline.start();
            PipelineProcess running = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(running.readinessText("phase")));

            OffsetDateTime changesStarted;
            try (Connection connection = postgres.connect("pagila"); Statement statement = connection.createStatement()) {
                changesStarted = OffsetDateTime.parse((String) SourceDatabases.single(connection,
                        "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
                // Through the partitioned table, into whichever partition the date picks.
                statement.execute("insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date) "
                        + "values (1, 1, 1, 9.99, '2022-03-15 10:00:00+00')");
                statement.execute("update public.payment set amount = amount + 1 "
                        + "where payment_id = (select min(payment_id) from public.payment)");
                // Straight into partitions.
                statement.execute("update public.payment_p2022_02 set amount = 0.50 "
                        + "where payment_id = (select min(payment_id) from public.payment_p2022_02)");
                statement.execute("delete from public.payment_p2022_04 "
                        + "where payment_id = (select min(payment_id) from public.payment_p2022_04)");
                // An update that moves a row to another partition.
                statement.execute("update public.payment set payment_date = '2022-05-20 12:00:00+00' "
                        + "where payment_id = (select min(payment_id) from public.payment_p2022_01)");
                // Partitions that come later: one created as a partition, one attached.
                statement.execute("create table public.payment_p2022_08 partition of public.payment "
                        + "for values from ('2022-08-01 00:00:00+00') to ('2022-09-01 00:00:00+00')");
                statement.execute("insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date) "
                        + "values (2, 1, 2, 4.99, '2022-08-02 09:00:00+00'), (3, 2, 3, 1.99, '2022-08-31 23:59:59+00')");
                statement.execute("create table public.payment_p2022_09 (like public.payment including defaults)");
                statement.execute("alter table public.payment attach partition public.payment_p2022_09 "
                        + "for values from ('2022-09-01 00:00:00+00') to ('2022-10-01 00:00:00+00')");
                statement.execute("insert into public.payment_p2022_09 (customer_id, staff_id, rental_id, amount, payment_date) "
                        + "values (4, 2, 4, 2.99, '2022-09-09 09:09:09+00')");
                running.awaitCaughtUp(connection);
            }

            // The marts follow, and every data test passes against the source, reconciliation included.
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                String applied = running.readinessText("appliedSourceCommit");
                return applied != null && !applied.equals("null") && !OffsetDateTime.parse(applied).isBefore(changesStarted);
            });
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                PipelineProcess.Answer tests = running.post("/pipeline/data-tests");
                assertThat(tests.status()).isEqualTo(200);
                assertThat(tests.body()).contains("reconcile_payment_amount_sum").doesNotContain("\"failed\"")
                        .doesNotContain("\"pending\"").doesNotContain("\"error\"");
            });
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = postgres.connect("pagila");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                assertThat(SourceDatabases.single(staging, "select count(*) from information_schema.tables "
                        + "where table_schema = 'staging' and table_name like 'payment_%'"))
                        .as("partitions staged under their own names").isEqualTo(0L);
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.payment where _cdc_op = 'r'"))
                        .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.payment "
                                + "where payment_date < '2022-08-01'"));
                assertThat(SourceDatabases.single(staging, "select sum(amount)::varchar from marts.fact_payment"))
                        .isEqualTo(SourceDatabases.single(connection, "select sum(amount)::text from public.payment"));
            }
        } finally {
            if (pipeline != null && pipeline.isAlive()) {
                pipeline.kill();
            }
            postgres.close();
        }
    }
}
