package io.livewarehouse.capture;

import io.livewarehouse.source.DvdRentalDump;
import io.livewarehouse.demo.EmbeddedSource;
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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What operators do to a running capture, on the real DVD Rental dump: a table added to
 * {@code pipeline.source.tables} after the first snapshot (changed while the pipeline was down, and written to
 * all through its own snapshot) arrives whole with every change after; a table that drifted in staging is
 * resynced on demand while its source is written to, and its current state and the marts end equal to the
 * source (the key staging held that the source never had is gone). The other tables stream on meanwhile.
 */
class TableResyncIT {

    private static final String WITHOUT_FILM_ACTOR = String.join(",", SourceDatabases.TABLES.stream()
            .filter(table -> !table.equals("film_actor")).map(table -> "public." + table).toList());

    @Test
    void anAddedTableAndAResyncedTableEndEqualToTheSourceWhileItIsWrittenTo() throws Exception {
        Path dump = DvdRentalDump.locate();
        Assumptions.assumeTrue(dump != null, "dvdrental.tar not found beside the project");
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "table-resync").toAbsolutePath();
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 1);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        PipelineProcess pipeline = PipelineProcess.against(work, source, "dvdrental_real",
                "PIPELINE_MARTS_INTERVAL_MS", "2000", "PIPELINE_SOURCE_TABLES", WITHOUT_FILM_ACTOR);
        try {
            DvdRentalDump.restoreInto(source, "dvdrental_real", dump);
            pipeline.start();
            PipelineProcess first = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(first.readinessText("phase")));
            try (Connection connection = source.connect("dvdrental_real")) {
                first.awaitCaughtUp(connection);
            }
            assertThat(pipeline.terminate()).isIn(0, 143);
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                // film_actor changes while it is not captured and the pipeline is down.
                statement.execute("delete from public.film_actor where actor_id = 1 and film_id = 1");
                statement.execute("insert into public.film_actor (actor_id, film_id) values (1, 2)");
            }

            // 1. Added: restarted with film_actor in the list, while film_actor and payment are written to.
            pipeline = pipeline.with("PIPELINE_SOURCE_TABLES", WITHOUT_FILM_ACTOR + ",public.film_actor");
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            AtomicLong writes = new AtomicLong();
            Thread writer = writer(source, writing, writerFailure, writes);
            writer.start();
            pipeline.start();
            PipelineProcess added = pipeline;
            try {
                awaitSync(added, "public.film_actor", "added to pipeline.source.tables");
                // Writes go on across the boundary for a while after the snapshot is staged.
                long after = writes.get() + 20;
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> writes.get() >= after || writerFailure.get() != null);
            } finally {
                writing.set(false);
                writer.join();
            }
            assertThat(writerFailure.get()).isNull();
            try (Connection connection = source.connect("dvdrental_real")) {
                added.awaitCaughtUp(connection);
            }
            assertThat(pipeline.terminate()).isIn(0, 143);
            try (Connection connection = source.connect("dvdrental_real");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.film_actor where _cdc_loaded_at is null"))
                        .isEqualTo(0L);
                // Drift, as a bad restore or a hand-made fix would leave it: a payment the source never had, and
                // a customer's row that no longer says what the source says.
                try (Statement statement = staging.createStatement()) {
                    statement.execute("insert into staging.payment (payment_id, customer_id, staff_id, rental_id, amount, "
                            + "payment_date, _cdc_op, _cdc_lsn, _cdc_seq, _cdc_tx_id, _cdc_source_ts, _cdc_loaded_at, "
                            + "_cdc_deleted) select 999999, customer_id, staff_id, rental_id, 100.00, payment_date, 'c', "
                            + "_cdc_lsn, 0, _cdc_tx_id, _cdc_source_ts, now(), false from staging.payment "
                            + "order by _cdc_loaded_at desc, _cdc_lsn desc limit 1");
                }
            }

            // 2. Resync on demand, while payment is written to: the drift is repaired, staging and marts equal the source.
            pipeline.start();
            PipelineProcess resynced = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(resynced.readinessText("phase")));
            assertThat(resynced.post("/pipeline/tables/public.nosuchtable/resync").status()).isEqualTo(404);
            writing.set(true);
            writes.set(0);
            Thread again = writer(source, writing, writerFailure, writes);
            again.start();
            java.time.OffsetDateTime sentinelStarted;
            try {
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> writes.get() >= 10);
                PipelineProcess.Answer answer = resynced.post("/pipeline/tables/public.payment/resync");
                assertThat(answer.status()).as(answer.body()).isEqualTo(202);
                awaitSync(resynced, "public.payment", "resync requested");
                long after = writes.get() + 20;
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> writes.get() >= after || writerFailure.get() != null);
            } finally {
                writing.set(false);
                again.join();
            }
            assertThat(writerFailure.get()).isNull();
            try (Connection connection = source.connect("dvdrental_real")) {
                sentinelStarted = PipelineProcess.sourceNow(connection);
                resynced.awaitCaughtUp(connection);
            }
            resynced.awaitMartsApplied(sentinelStarted);
            resynced.awaitDataTestsPass();
            assertThat(resynced.get("/api/pipeline").body()).contains("resync requested");
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = source.connect("dvdrental_real");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                assertThat(SourceDatabases.rows(staging, "select _cdc_op, _cdc_deleted from staging.payment "
                        + "where payment_id = 999999 order by _cdc_loaded_at"))
                        .containsExactly(List.of("c", false), List.of("d", true));
                assertThat(SourceDatabases.single(staging, "select count(*) from marts.fact_payment where payment_id = 999999"))
                        .isEqualTo(0L);
                assertThat(SourceDatabases.single(staging, "select sum(amount)::varchar from marts.fact_payment"))
                        .isEqualTo(SourceDatabases.single(connection, "select sum(amount)::text from public.payment"));
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.resyncs")).isEqualTo(0L);
                assertThat(SourceDatabases.rows(staging, "select operation, table_name from _pipeline.operations "
                        + "where operation in ('table added', 'resync requested', 'table snapshot staged') order by occurred_at"))
                        .containsExactly(List.of("table added", "public.film_actor"),
                                List.of("table snapshot staged", "public.film_actor"),
                                List.of("resync requested", "public.payment"),
                                List.of("table snapshot staged", "public.payment"));
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            }
        } finally {
            pipeline.killAll();
            source.close();
        }
    }

    /** Waits until the sync log holds a snapshot of {@code table} for {@code reason}, read through the pipeline page. */
    private static void awaitSync(PipelineProcess pipeline, String table, String reason) {
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String status = pipeline.get("/api/pipeline").body();
            return status != null && status.contains("\"table_name\":\"" + table + "\",\"reason\":\"" + reason + "\"");
        });
    }

    /**
     * Writes to film_actor and payment until told to stop: inserts, updates and deletes of fresh rows, and
     * updates of existing ones, each its own transaction.
     */
    private static Thread writer(EmbeddedSource source, AtomicBoolean writing, AtomicReference<Throwable> failure,
                                 AtomicLong writes) {
        return new Thread(() -> {
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                int round = 0;
                while (writing.get()) {
                    round++;
                    int actor = 2 + round % 150;
                    statement.execute("insert into public.film_actor (actor_id, film_id) values (" + actor + ", 1000) "
                            + "on conflict do nothing");
                    statement.execute("delete from public.film_actor where actor_id = " + (2 + (round + 75) % 150)
                            + " and film_id = 1000");
                    statement.execute("update public.film_actor set last_update = now() where film_id = " + (1 + round % 999));
                    statement.execute("insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date) "
                            + "select " + (1 + round % 599) + ", 1, min(rental_id), " + (round % 10) + ".99, now() "
                            + "from public.rental where rental_id >= " + (1 + round % 16000));
                    statement.execute("update public.payment set amount = amount + 1 where payment_id = " + (17503 + round % 14000));
                    statement.execute("delete from public.payment where payment_id = (select max(payment_id) from public.payment) "
                            + "and " + round + " % 3 = 0");
                    writes.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "source-writes");
    }
}
