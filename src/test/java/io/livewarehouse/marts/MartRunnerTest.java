package io.livewarehouse.marts;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mart runner on real capture: current-state tables equal the source after the snapshot and after
 * changes, refreshes are incremental, and a crash between a model's changes and its watermark changes
 * nothing in the result.
 */
@QuarkusTest
class MartRunnerTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    MartRunner runner;

    @Test
    void currentStateFollowsTheSourceIncrementallyAndSurvivesACrashBeforeTheWatermark() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
        assertCurrentStateEqualsSource();
        assertCalendarCoversEveryDate();

        // Nothing new in staging: a cycle does nothing, and logs nothing.
        long runsBefore = runs();
        runner.refresh();
        assertThat(runs()).isEqualTo(runsBefore);

        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.customer set first_name = 'Changed' where customer_id = 11");
            statement.execute("delete from public.payment where payment_id = 20");
            statement.execute("insert into public.rental (rental_date, inventory_id, customer_id, staff_id) "
                    + "values ('2031-07-04 12:00:00', 12, 11, 1)");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        // A crash after cur_customer's MERGE but before its watermark: rolled back, redone next cycle.
        runner.crashAfterChangesOf("cur_customer");
        runner.refresh();
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from _pipeline.model_runs "
                    + "where model = 'cur_customer' and status = 'failed' and error like '%simulated crash%'")).isEqualTo(1L);
        }
        runner.refresh();
        assertCurrentStateEqualsSource();
        assertCalendarCoversEveryDate();
        try (Connection marts = warehouse.connect()) {
            // Incremental: the cycle after the change touched one customer row, not the table.
            assertThat(SourceDatabases.single(marts, "select rows_changed from _pipeline.model_runs "
                    + "where model = 'cur_customer' and status = 'ok' order by finished_at desc limit 1")).isEqualTo(1L);
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_date where date_key = 20310704"))
                    .isEqualTo(1L);
        }
        // Freshness: the newest source commit every model has applied, as a metric and in readiness.
        assertThat(runner.lastFailures()).isEmpty();
        assertThat(runner.appliedSourceCommit()).isNotNull();
        assertThat(runner.freshnessSeconds()).isBetween(0.0, 600.0);
        assertThat(io.restassured.RestAssured.given().when().get("/q/metrics").then().extract().asString())
                .contains("pipeline_marts_freshness_seconds");
    }

    @Inject
    io.livewarehouse.warehouse.RunLogRetention retention;

    @Inject
    io.livewarehouse.warehouse.WarehouseSetup setup;

    @Inject
    io.quarkus.scheduler.Scheduler scheduler;

    /** The run log keeps pipeline.retention.run-log-days: older runs go, through camel-jdbc, on Quarkus Scheduler's cron. */
    @Test
    void runLogRetentionDeletesRunsOlderThanTheRetentionAndKeepsTheRest() throws Exception {
        setup.ensure();
        try (Connection marts = warehouse.connect(); Statement statement = marts.createStatement()) {
            statement.execute("insert into _pipeline.model_runs (model, started_at, finished_at, rows_changed, status) values "
                    + "('retention_probe', timestamptz '2001-01-01 00:00:00+00', timestamptz '2001-01-01 00:00:01+00', 1, 'ok'), "
                    + "('retention_probe', now() - interval 29 day, now() - interval 29 day, 1, 'ok')");
            statement.execute("insert into _pipeline.data_test_results (run_at, model, test, status) values "
                    + "(timestamptz '2001-01-01 00:00:00+00', 'retention_probe', 'unique', 'pass'), "
                    + "(now(), 'retention_probe', 'unique', 'pass')");
            statement.execute("insert into _pipeline.data_test_runs (started_at, finished_at, tests, failed, status) values "
                    + "(timestamptz '2001-01-01 00:00:00+00', timestamptz '2001-01-01 00:00:01+00', 1, 0, 'pass')");
        }
        retention.run();
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from _pipeline.model_runs where model = 'retention_probe'"))
                    .as("the run from 2001 is gone, the one from 29 days ago kept").isEqualTo(1L);
            assertThat(SourceDatabases.single(marts, "select count(*) from _pipeline.model_runs "
                    + "where model = 'retention_probe' and finished_at > timestamptz '2002-01-01 00:00:00+00'")).isEqualTo(1L);
            assertThat(SourceDatabases.single(marts, "select count(*) from _pipeline.data_test_results where model = 'retention_probe'"))
                    .isEqualTo(1L);
            assertThat(SourceDatabases.single(marts, "select count(*) from _pipeline.data_test_runs "
                    + "where finished_at < timestamptz '2002-01-01 00:00:00+00'")).isEqualTo(0L);
        }
        assertThat(scheduler.getScheduledJob("run-log-retention")).as("scheduled on pipeline.retention.cron").isNotNull();
        assertThat(scheduler.getScheduledJob("run-log-retention").getNextFireTime()).isNotNull();
    }

    @Test
    void aFailingModelHoldsBackItsDependentsForTheCycleWhileTheOthersGoOn() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.store set last_update = now() where store_id = 1");
            statement.execute("update public.customer set last_name = 'Skipped-Cycle' where customer_id = 41");
            statement.execute("update public.payment set amount = 7.77 where payment_id = 41");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.crashAfterChangesOf("dim_store");
        runner.refresh();
        assertThat(runner.lastFailures()).contains("dim_store", "fact_rental", "obt_rental")
                .doesNotContain("dim_customer", "fact_payment");
        io.restassured.RestAssured.given().when().get("/q/health/ready").then().statusCode(503)
                .body(org.hamcrest.Matchers.containsString("dim_store"));
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select status from _pipeline.model_runs where model = 'obt_rental' "
                    + "order by finished_at desc limit 1")).isEqualTo("skipped");
            // The models that do not read dim_store went on.
            assertThat(SourceDatabases.single(marts,
                    "select last_name from marts.dim_customer where customer_id = 41 and is_current")).isEqualTo("Skipped-Cycle");
            assertThat(SourceDatabases.single(marts, "select amount::varchar from marts.fact_payment where payment_id = 41"))
                    .isEqualTo("7.77");
            assertThat(SourceDatabases.single(marts,
                    "select max(customer_name) from marts.obt_rental where customer_id = 41")).isNotEqualTo(
                    SourceDatabases.single(marts, "select first_name || ' Skipped-Cycle' from marts.dim_customer "
                            + "where customer_id = 41 and is_current"));
        }
        // The next cycle catches the held-back models up.
        runner.refresh();
        assertThat(runner.lastFailures()).isEmpty();
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.obt_rental where customer_id = 41 "
                    + "and customer_name not like '% Skipped-Cycle'")).isEqualTo(0L);
        }
    }

    @Test
    void aFullRebuildGivesTheSameMartsAsTheIncrementalRuns() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
        List<String> queries = List.of(
                "select rental_id, customer_key is not null, film_key is not null, rental_date_key, return_date_key, "
                        + "days_rented, is_returned, is_late, amount_paid, payment_count from marts.fact_rental order by 1",
                "select payment_id, rental_id, payment_date_key, amount from marts.fact_payment order by 1",
                "select * exclude (loaded_at) from marts.obt_rental order by rental_id",
                "select customer_id, first_name, last_name, email, city, country from marts.dim_customer where is_current order by 1",
                "select film_id, title, categories, rental_rate from marts.dim_film where is_current order by 1");
        List<List<List<Object>>> incremental = new ArrayList<>();
        try (Connection marts = warehouse.connect()) {
            for (String query : queries) {
                incremental.add(SourceDatabases.rows(marts, query));
            }
        }
        io.restassured.RestAssured.given().when().post("/pipeline/marts/rebuild").then().statusCode(200)
                .body("failedOrSkipped", org.hamcrest.Matchers.empty());
        try (Connection marts = warehouse.connect()) {
            for (int i = 0; i < queries.size(); i++) {
                assertThat(SourceDatabases.rows(marts, queries.get(i))).as(queries.get(i)).isEqualTo(incremental.get(i));
            }
            // The rebuild starts the dimensions' history anew: one version per entity.
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_customer where not is_current"))
                    .isEqualTo(0L);
        }
    }

    /**
     * A cycle in one transaction writes every model's watermark and run-log row together at its end, and before
     * an incremental model commits the cycle so far (creating its table at its first run in a process): either
     * way each watermark stands where its model's last run read to, and each run has exactly one row.
     */
    @Test
    void everyWatermarkCommitsWithItsModelsRunInTheCyclesTransaction() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        // A rebuild's cycle creates every model's table again: each incremental model commits the cycle so far.
        runner.rebuild();
        assertWatermarksStandWhereTheLastRunsRead();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.payment set amount = 3.33 where payment_id = 77");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        long runsBefore = runs();
        runner.refresh();
        assertThat(runner.lastFailures()).isEmpty();
        assertWatermarksStandWhereTheLastRunsRead();
        try (Connection marts = warehouse.connect()) {
            // The models the payment reaches ran once each, their rows written with the cycle's commit.
            assertThat(SourceDatabases.rows(marts, "select model from _pipeline.model_runs order by finished_at desc limit "
                    + (runs() - runsBefore)).stream().map(row -> row.get(0)).toList())
                    .containsExactlyInAnyOrder("cur_payment", "dim_date", "int_rental_activity", "fact_payment",
                            "fact_rental", "obt_rental");
            assertThat(SourceDatabases.single(marts, "select amount::varchar from marts.fact_payment where payment_id = 77"))
                    .isEqualTo("3.33");
            assertThat(SourceDatabases.single(marts, "select o.amount_paid = (select sum(amount) from marts.cur_payment as p "
                    + "where p.rental_id = o.rental_id) from marts.obt_rental as o where o.rental_id = "
                    + "(select rental_id from marts.cur_payment where payment_id = 77)")).isEqualTo(true);
        }
    }

    private void assertWatermarksStandWhereTheLastRunsRead() throws Exception {
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.rows(marts, """
                    select w.model, w.loaded_through, r.loaded_through
                    from _pipeline.model_watermarks as w
                    left join (select model, max(loaded_through) as loaded_through from _pipeline.model_runs
                               where status = 'ok' group by model) as r on r.model = w.model
                    where r.loaded_through is distinct from w.loaded_through""")).isEmpty();
            assertThat(SourceDatabases.rows(marts, "select model from _pipeline.model_watermarks").stream()
                    .map(row -> (String) row.get(0)).toList()).containsAll(runner.modelNames());
        }
    }

    private void assertCurrentStateEqualsSource() throws Exception {
        try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
            for (String table : SourceDatabases.TABLES) {
                List<String> columns = new ArrayList<>(StagingComparison.sourceColumns(connection, table));
                columns.remove("password");
                assertThat(StagingComparison.currentStateRows(connection, marts, table, columns))
                        .as("marts.cur_%s", table)
                        .isEqualTo(StagingComparison.sourceRows(connection, table, columns));
            }
        }
    }

    private void assertCalendarCoversEveryDate() throws Exception {
        try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
            Object days = SourceDatabases.single(connection, """
                    select (max(d) - min(d) + 1)::bigint from (
                        select rental_date::date as d from public.rental
                        union all select return_date::date from public.rental where return_date is not null
                        union all select payment_date::date from public.payment) dates""");
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_date")).isEqualTo(days);
            assertThat(SourceDatabases.single(marts, "select count(distinct date_key) from marts.dim_date")).isEqualTo(days);
        }
    }

    private long runs() throws Exception {
        try (Connection marts = warehouse.connect()) {
            return (Long) SourceDatabases.single(marts, "select count(*) from _pipeline.model_runs");
        }
    }
}
