package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.source.DvdRentalDump;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication slot is lost while the pipeline is stopped (dropped, as a failover or an operator would),
 * and the source changes meanwhile, deletes included: those changes are in no stream any more. Under
 * {@code pipeline.cdc.on-lost-slot=refuse} the pipeline stays unready, saying which slot and why, and alive;
 * on the defaults it makes a new slot and takes a new snapshot of every table, after which staging's current
 * state and the marts equal the source again (deleted rows gone, the dimension's new version recorded) and
 * streaming goes on. A plain restart before all that must not be taken for a lost slot.
 */
class LostSlotIT {

    @Test
    void aLostSlotIsRefusedOrResyncedAndNothingIsSilentlyMissing() throws Exception {
        Path dump = DvdRentalDump.locate();
        Assumptions.assumeTrue(dump != null, "dvdrental.tar not found beside the project");
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "lost-slot").toAbsolutePath();
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 1);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        PipelineProcess pipeline = PipelineProcess.against(work, source, "dvdrental_real", "PIPELINE_MARTS_INTERVAL_MS", "2000");
        try {
            DvdRentalDump.restoreInto(source, "dvdrental_real", dump);
            pipeline.start();
            PipelineProcess first = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(first.readinessText("phase")));
            try (Connection connection = source.connect("dvdrental_real")) {
                first.awaitStaged(SourceDatabases.inTransaction(connection,
                        "update public.film set rental_rate = 1.99 where film_id = 3"));
            }
            assertThat(pipeline.terminate()).isIn(0, 143);

            // A plain restart resumes from the slot: no lost slot, no new snapshot.
            pipeline.start();
            PipelineProcess restarted = pipeline;
            try (Connection connection = source.connect("dvdrental_real")) {
                restarted.awaitStaged(SourceDatabases.inTransaction(connection,
                        "update public.film set rental_rate = 2.99 where film_id = 3"));
            }
            assertThat(pipeline.output()).doesNotContain("cannot resume");
            assertThat(pipeline.terminate()).isIn(0, 143);

            // Someone advances the slot past a change while the pipeline is stopped: that change is in no stream.
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                String confirmed = "select (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint from pg_replication_slots "
                        + "where slot_name = 'live_warehouse'";
                long before = ((Number) SourceDatabases.single(connection, confirmed)).longValue();
                statement.execute("update public.film set rental_rate = 3.99 where film_id = 4");
                // The walsender of the stopped pipeline may hold the slot a moment longer, and an advance only
                // goes as far as decoding reaches: until the slot stands past the change.
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> {
                            statement.execute("select pg_replication_slot_advance('live_warehouse', pg_current_wal_lsn())");
                            return ((Number) SourceDatabases.single(connection, confirmed)).longValue() > before;
                        });
            }
            PipelineProcess advanced = pipeline.with("PIPELINE_CDC_ON_LOST_SLOT", "refuse");
            advanced.start();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String readiness = advanced.readiness();
                return readiness != null && readiness.contains("has moved past the position staging holds");
            });
            assertThat(advanced.get("/q/health/live").status()).isEqualTo(200);
            assertThat(advanced.terminate()).isIn(0, 143);

            // The slot goes while the pipeline is stopped, and the source changes: nothing streams these.
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                statement.execute("select pg_drop_replication_slot('live_warehouse')");
                statement.execute("delete from public.payment where payment_id in (17505, 17506, 17507)");
                statement.execute("delete from public.film_actor where actor_id = 1 and film_id = 1");
                statement.execute("update public.customer set email = 'after.the.gap@example.com' where customer_id = 2");
                statement.execute("update public.film set title = 'Lost And Found' where film_id = 2");
                statement.execute("insert into public.actor (first_name, last_name) values ('Gap', 'Filler')");
            }

            // refuse: not ready, naming the slot and the reason; alive, so no restart loop.
            PipelineProcess refusing = pipeline.with("PIPELINE_CDC_ON_LOST_SLOT", "refuse");
            refusing.start();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String readiness = refusing.readiness();
                return readiness != null && readiness.contains("replication slot live_warehouse does not exist")
                        && readiness.contains("pipeline.cdc.on-lost-slot=resync");
            });
            assertThat(refusing.readinessStatus()).isEqualTo(503);
            assertThat(refusing.get("/q/health/live").status()).isEqualTo(200);
            assertThat(refusing.terminate()).isIn(0, 143);

            // The defaults: a new slot, a new snapshot of every table, and streaming on from there.
            pipeline.start();
            PipelineProcess resynced = pipeline;
            java.time.OffsetDateTime sentinelStarted;
            try (Connection connection = source.connect("dvdrental_real")) {
                Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> "streaming".equals(resynced.readinessText("phase")));
                assertThat(resynced.readinessText("slotLost")).contains("replication slot live_warehouse does not exist")
                        .contains("new snapshot");
                assertThat(resynced.output()).contains("cannot resume where staging stopped");
                sentinelStarted = PipelineProcess.sourceNow(connection);
                SourceDatabases.inTransaction(connection, "delete from public.payment where payment_id = 17508");
                resynced.awaitCaughtUp(connection);
            }
            resynced.awaitMartsApplied(sentinelStarted);
            resynced.awaitDataTestsPass();

            // While it runs: the slot is dropped under the stream (its walsender ended first) and the source changes.
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
                    statement.execute("select pg_terminate_backend(active_pid) from pg_replication_slots "
                            + "where slot_name = 'live_warehouse' and active_pid is not null");
                    statement.execute("select pg_drop_replication_slot('live_warehouse')");
                    return true;
                });
                statement.execute("delete from public.payment where payment_id = 17509");
            }
            // The watch starts the stream again, whose start takes a new snapshot: the delete arrives with it.
            resynced.awaitOutput("starting the change stream again", Duration.ofMinutes(2));
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> resynced.output().split("Snapshot by COPY: .* rows of 15 tables staged", -1).length > 2
                            && "streaming".equals(resynced.readinessText("phase")));
            java.time.OffsetDateTime secondSentinel;
            try (Connection connection = source.connect("dvdrental_real")) {
                secondSentinel = PipelineProcess.sourceNow(connection);
                resynced.awaitCaughtUp(connection);
            }
            resynced.awaitMartsApplied(secondSentinel);
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = source.connect("dvdrental_real");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.payment "
                        + "where payment_id = 17509 and _cdc_op = 'd'")).isEqualTo(1L);
                StagingComparison.assertNoDuplicates(connection, staging);
                // Rows deleted in the gap are staged as deletes by the new snapshot; the sync log says so.
                assertThat(SourceDatabases.rows(staging, "select _cdc_op, count(*) from staging.payment "
                        + "where payment_id in (17505, 17506, 17507) group by 1 order by 1"))
                        .containsExactly(List.of("d", 3L), List.of("r", 3L));
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.table_syncs "
                        + "where reason like 'lost slot: replication slot live_warehouse does not exist%'")).isEqualTo(30L);
                assertThat(SourceDatabases.rows(staging, "select vanished_keys from _pipeline.table_syncs "
                        + "where table_name = 'public.payment' and reason like 'lost slot%' order by finished_at"))
                        .containsExactly(List.of(3L), List.of(1L));
                assertThat(SourceDatabases.single(staging, "select vanished_keys from _pipeline.table_syncs "
                        + "where table_name = 'public.film_actor' and reason like 'lost slot%' order by finished_at limit 1"))
                        .isEqualTo(1L);
                // The marts: the payments are gone from the facts, the customer's change is a new version.
                assertThat(SourceDatabases.single(staging, "select count(*) from marts.fact_payment "
                        + "where payment_id between 17505 and 17509")).isEqualTo(0L);
                assertThat(SourceDatabases.single(staging, "select sum(amount)::varchar from marts.fact_payment"))
                        .isEqualTo(SourceDatabases.single(connection, "select sum(amount)::text from public.payment"));
                assertThat(SourceDatabases.single(staging, "select email from marts.dim_customer "
                        + "where customer_id = 2 and is_current")).isEqualTo("after.the.gap@example.com");
                assertThat((Long) SourceDatabases.single(staging, "select count(*) from marts.dim_customer "
                        + "where customer_id = 2")).isGreaterThanOrEqualTo(2L);
                assertThat(SourceDatabases.single(staging, "select film_title from marts.obt_rental where film_id = 2 limit 1"))
                        .isEqualTo("Lost And Found");
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
                // The run log: each loss, what was done, and the refusals.
                assertThat(SourceDatabases.rows(staging, "select operation, count(*) from _pipeline.operations "
                        + "where operation in ('slot lost', 'capture refused') group by 1 order by 1"))
                        .containsExactly(List.of("capture refused", 2L), List.of("slot lost", 4L));
            }
        } finally {
            pipeline.killAll();
            source.close();
        }
    }
}
