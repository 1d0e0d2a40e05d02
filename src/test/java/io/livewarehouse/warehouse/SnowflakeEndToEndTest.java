package io.livewarehouse.warehouse;

import io.livewarehouse.marts.DataTests;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.OwnCapture;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline into Snowflake, offline: embedded PostgreSQL, Debezium, the Camel routes, and the real
 * Snowflake JDBC driver talking to the {@link SnowflakeEmulator}. The snapshot, changes of every kind and the
 * marts arrive as they do into DuckDB; then the failures a production account gives (a missing privilege, a
 * rejected login) turn readiness DOWN with a message that says what to do, and nothing is lost once they are
 * mended.
 */
@QuarkusTest
@TestProfile(SnowflakeEndToEndTest.IntoSnowflake.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnowflakeEndToEndTest {

    /**
     * Its own capture, marts every second, and the defaults otherwise: snapshot-method=auto is the snapshot by
     * COPY, its files uploaded by PUT and loaded by COPY INTO.
     */
    public static class IntoSnowflake implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("snowflake_e2e",
                    "pipeline.marts.enabled", "true",
                    "pipeline.marts.interval-ms", "1000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(EmulatedSnowflake.class));
        }
    }

    private static final Duration BOUND = Duration.ofMinutes(2);

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    DataTests dataTests;

    @Test
    @Order(1)
    void snapshotChangesAndMartsArriveThroughTheRealDriver() throws Exception {
        assertThat(warehouse.dialect().name()).isEqualTo("snowflake");
        awaitStagingEqualsSource();
        // The snapshot came by PUT and COPY INTO, one file per table, each into its load table's stage.
        List<String> stageCommands = EmulatedSnowflake.emulator().stageCommands();
        assertThat(stageCommands).filteredOn(StageCommands::isPut).hasSize(15);
        assertThat(stageCommands).filteredOn(StageCommands::isCopy).hasSize(15)
                .anySatisfy(copy -> assertThat(StageCommands.copy(copy).files()).containsExactly("public.payment.csv.gz"));
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("""
                    insert into public.customer (customer_id, store_id, first_name, last_name, email, address_id, create_date, last_update, active)
                    values (9101, 1, 'Zoë', 'Snow-Flake', null, 5, '2024-02-29', '2024-02-29 23:59:59.123456', 1)""");
            statement.execute("""
                    update public.film set title = 'Ünïcode Title', rental_rate = 0.01,
                           special_features = array['Commentaries', 'a "quoted", value'], rating = 'NC-17', length = null
                    where film_id = 1""");
            statement.execute("update public.staff set picture = '\\x00ff10'::bytea where staff_id = 2");
            statement.execute("insert into public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
                    + "values (81001, '2033-03-03 10:00:00', 100, 9101, 1)");
            statement.execute("insert into public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) "
                    + "values (81001, 9101, 1, 81001, 2.99, '2033-03-03 10:01:00')");
            connection.commit();
            statement.execute("update public.rental set return_date = '2033-03-05 09:00:00' where rental_id = 81001");
            statement.execute("delete from public.payment where rental_id = 61");
            statement.execute("delete from public.rental where rental_id = 61");
            connection.commit();
            // A large transaction: its batches (up to pipeline.staging.batch-size events each, above
            // copy-batch-rows) are loaded from files by PUT and COPY INTO, not by INSERTs.
            statement.execute("update public.payment set amount = amount + 1 where payment_id <> 81001");
            connection.commit();
        }
        awaitStagingEqualsSource();
        assertThat(EmulatedSnowflake.emulator().stageCommands()).filteredOn(StageCommands::isCopy)
                .anySatisfy(copy -> assertThat(StageCommands.copy(copy).table()).isEqualTo("\"STAGING\".\"PAYMENT\""));
        awaitMarts("select cast(sum(amount) * 100 as bigint) from marts.fact_payment",
                "select cast(sum(amount) * 100 as bigint) from public.payment");
        awaitMarts("select count(*) from marts.obt_rental where rental_id = 81001 and is_returned and amount_paid = 2.99",
                "select 1::bigint");
        awaitMarts("select count(*) from marts.fact_rental where rental_id = 61", "select 0::bigint");
        awaitMarts("select count(*) from marts.fact_payment", "select count(*) from public.payment");
        awaitMarts("select count(*) from marts.obt_rental", "select count(*) from public.rental");
        awaitMarts("select count(*) from marts.dim_customer where customer_id = 9101 and is_current", "select 1::bigint");
        awaitMarts("select count(*) from marts.dim_film where film_id = 1 and is_current and title = 'Ünïcode Title'",
                "select 1::bigint");
        // The data tests, reconciliation with the source included, pass on what Snowflake holds.
        assertThat(dataTests.run(true)).isNotEmpty().allSatisfy(result ->
                assertThat(result.status()).as(result.model() + "." + result.test() + ": " + result.detail()).isEqualTo("passed"));
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        assertThat(emulator.implicitCommits()).as("DDL that would have committed an open transaction").isEmpty();
        // The data tests' timer runs from the start, before the marts have their tables, as with DuckDB; any
        // other failure is a statement the emulator (or Snowflake) could not run.
        assertThat(emulator.failures()).as("statements that failed")
                .filteredOn(failure -> !failure.matches("(?s)Catalog Error: Table with name \\w+ does not exist!.*")).isEmpty();
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(2)
    void aMissingPrivilegeTurnsReadinessDownAndNothingIsLostOnceGranted() throws Exception {
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        survives("granted@example.com", "Snowflake refused a statement to the user's default role for lack of a "
                        + "privilege: grant it what docs/snowflake.md lists (grants)",
                () -> emulator.deny(Pattern.compile("(?i)^\\s*insert\\s+into\\s+\"STAGING\""), "schema 'STAGING'"),
                emulator::allowAll);
    }

    @Test
    @Order(3)
    void aRejectedLoginTurnsReadinessDownAndNothingIsLostOnceMended() throws Exception {
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        // The password was changed on the user (or its key replaced), and the sessions ended.
        survives("mended@example.com", "rejected the login of pipeline: check pipeline.warehouse.snowflake.user and "
                        + "PIPELINE_WAREHOUSE_SNOWFLAKE_PASSWORD",
                () -> {
                    emulator.acceptPassword("rotated");
                    emulator.expireSessions();
                },
                () -> emulator.acceptPassword("emulated"));
    }

    @Test
    @Order(4)
    void anUnreachableAccountTurnsReadinessDownAndNothingIsLostOnceBack() throws Exception {
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        survives("reachable@example.com", "cannot be reached: check pipeline.warehouse.snowflake.account (or .url), "
                + "the network and any proxy", emulator::unreachable, emulator::reachable);
        assertThat(emulator.implicitCommits()).isEmpty();
    }

    @Test
    @Order(5)
    void aResyncedTableLoadsByPutAndCopyIntoWhileStreamingGoesOn() throws Exception {
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        awaitStagingEqualsSource();
        // Only this test's statements count: the sessions the tests before it expired may have cut a mart
        // cycle's query short ("Interrupted"), which is theirs to show.
        int failuresBefore = emulator.failures().size();
        // Drift: a payment staging holds that the source never had.
        try (Statement statement = emulator.duckdb().createStatement()) {
            statement.execute("insert into \"STAGING\".\"PAYMENT\" by name select 99999 as \"PAYMENT_ID\", "
                    + "\"CUSTOMER_ID\", \"STAFF_ID\", \"RENTAL_ID\", \"AMOUNT\", \"PAYMENT_DATE\", 'c' as \"_CDC_OP\", "
                    + "\"_CDC_LSN\", 0 as \"_CDC_SEQ\", \"_CDC_TX_ID\", \"_CDC_SOURCE_TS\", now() as \"_CDC_LOADED_AT\", "
                    + "false as \"_CDC_DELETED\" from \"STAGING\".\"PAYMENT\" limit 1");
        }
        int puts = (int) emulator.stageCommands().stream().filter(StageCommands::isPut).count();
        given().when().post("/pipeline/tables/public.payment/resync").then().statusCode(202);
        // Changes to the table while it is copied and loaded are held, then follow its new snapshot.
        change("update public.payment set amount = 7.77 where payment_id = 81001");
        awaitStagingEqualsSource();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.rows(staging, warehouse.dialect().qualify(
                    "select _cdc_op from staging.payment where payment_id = 99999 order by _cdc_loaded_at")))
                    .isEqualTo(List.of(List.of("c"), List.of("d")));
        }
        assertThat(emulator.stageCommands()).filteredOn(StageCommands::isPut).hasSize(puts + 1)
                .last().asString().contains("public.payment.csv");
        awaitMarts("select count(*) from marts.fact_payment where payment_id = 99999", "select 0::bigint");
        awaitMarts("select count(*) from marts.fact_payment", "select count(*) from public.payment");
        assertThat(emulator.implicitCommits()).as("DDL that would have committed an open transaction").isEmpty();
        // The data tests that ran while the planted key was in the marts failed, as they should: ready again
        // once they run on the mended marts (the reconciliation binds the changing keys at the source).
        awaitReadiness(200, "UP");
        List<String> failures = emulator.failures();
        assertThat(failures.subList(failuresBefore, failures.size())).as("statements that failed")
                .filteredOn(failure -> !failure.matches("(?s)Catalog Error: Table with name \\w+ does not exist!.*")).isEmpty();
    }

    private interface Action {
        void run() throws Exception;
    }

    /**
     * Breaks Snowflake, changes a customer's email at the source, and expects readiness DOWN with the message
     * while liveness stays UP for 5 s; then mends it and expects the change in staging and the marts, and
     * readiness UP.
     */
    private void survives(String email, String message, Action breakIt, Action mendIt) throws Exception {
        breakIt.run();
        try {
            change("update public.customer set email = '" + email + "' where customer_id = 9101");
            awaitReadiness(503, message);
            // Broken for a while, heartbeats flushing meanwhile (every second): the engine keeps running.
            for (int second = 0; second < 5; second++) {
                given().when().get("/q/health/live").then().statusCode(200);
                Thread.sleep(1000);
            }
        } finally {
            mendIt.run();
        }
        awaitStagingEqualsSource();
        awaitMarts("select count(*) from marts.dim_customer where customer_id = 9101 and is_current "
                + "and email = '" + email + "'", "select 1::bigint");
        awaitReadiness(200, "UP");
    }

    private void change(String sql) throws Exception {
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void awaitReadiness(int status, String saying) {
        Awaitility.await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            var response = given().when().get("/q/health/ready").then().extract();
            assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
            assertThat(response.asString()).contains(saying);
        });
    }

    private void awaitStagingEqualsSource() {
        Awaitility.await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            try (Connection connection = source.open()) {
                StagingComparison.assertStagingEqualsSource(connection, EmulatedSnowflake.emulator().duckdb());
            }
        });
    }

    private void awaitMarts(String martQuery, String sourceQuery) {
        Awaitility.await().atMost(BOUND).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
                assertThat(((Number) SourceDatabases.single(marts, warehouse.dialect().qualify(martQuery))).longValue())
                        .isEqualTo(((Number) SourceDatabases.single(connection, sourceQuery)).longValue());
            }
        });
    }
}
