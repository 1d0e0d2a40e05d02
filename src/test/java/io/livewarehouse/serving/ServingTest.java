package io.livewarehouse.serving;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The serving side against the running pipeline: the dashboard's figures equal the marts' for any filter and
 * follow a source change; every served mart can be read page by page as JSON or CSV and nothing else can be
 * named; each mart is exported to Parquet after a refresh; the pipeline status shows every table.
 */
@QuarkusTest
@TestProfile(Serving.class)
class ServingTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void theDashboardShowsWhatTheMartsHoldForAnyFilterAndFollowsChanges() throws Exception {
        awaitMartsHoldAllRentals(source, warehouse);
        JsonPath all = dashboard("");
        assertHeadline(all, "");
        assertThat(all.getList("topFilms")).hasSize(10);
        assertThat(all.getString("topFilms[0].title")).isEqualTo(mart("select film_title from marts.obt_rental "
                + "group by film_title order by count(*) desc, film_title limit 1"));
        assertThat(all.getList("revenueByStore")).hasSize(2);
        assertThat(all.getList("revenueByMonth")).hasSize(((Number) mart(
                "select count(distinct date_trunc('month', rental_date)) from marts.obt_rental")).intValue());
        BigDecimal monthly = all.getList("revenueByMonth.revenue", BigDecimal.class).stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(monthly).isEqualByComparingTo(all.getString("headline.revenue"));

        // One store, a range of days (both included).
        String from = String.valueOf(mart("select cast(min(rental_date) as date) + 10 from marts.obt_rental"));
        String to = String.valueOf(mart("select cast(min(rental_date) as date) + 40 from marts.obt_rental"));
        JsonPath filtered = dashboard("?store=1&from=" + from + "&to=" + to);
        assertHeadline(filtered, " where store_id = 1 and rental_date >= date '" + from + "' and rental_date < date '" + to + "' + 1");
        assertThat(filtered.getList("revenueByStore")).hasSize(1);

        // A new rental with its payment: the version moves and the figures follow.
        long version = dashboard("").getLong("version");
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("insert into public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
                    + "values (82001, '2031-01-15 12:00:00', 100, 50, 1)");
            statement.execute("insert into public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) "
                    + "values (82001, 50, 1, 82001, 7.77, now())");
        }
        BigDecimal before = new BigDecimal(all.getString("headline.revenue"));
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonPath after = dashboard("");
            assertThat(after.getLong("version")).isGreaterThan(version);
            assertThat(new BigDecimal(after.getString("headline.revenue"))).isEqualByComparingTo(before.add(new BigDecimal("7.77")));
        });
    }

    @Test
    void martsAreReadPageByPageAndOnlyServedMartsCanBeNamed() throws Exception {
        awaitMartsHoldAllRentals(source, warehouse);
        List<String> marts = given().get("/api/marts").then().statusCode(200).extract().jsonPath().getList("name");
        assertThat(marts).contains("dim_date", "dim_customer", "dim_film", "dim_store", "dim_staff", "fact_rental",
                "fact_payment", "obt_rental").noneMatch(name -> name.startsWith("int_"));

        long rentals = ((Number) mart("select count(*) from marts.fact_rental")).longValue();
        JsonPath page = given().get("/api/marts/fact_rental?page=1&size=100").then().statusCode(200)
                .header("X-Total-Count", String.valueOf(rentals)).extract().jsonPath();
        assertThat(page.getLong("total")).isEqualTo(rentals);
        assertThat(page.getList("rows")).hasSize(100);
        int idColumn = page.getList("columns").indexOf("rental_id");
        List<Integer> ids = page.getList("rows.collect { it[" + idColumn + "] }", Integer.class);
        assertThat(ids).isSorted().first().isEqualTo(((Number) mart(
                "select rental_id from marts.fact_rental order by rental_id limit 1 offset 100")).intValue());
        assertThat(page.getString("next")).isEqualTo("/api/marts/fact_rental?size=100&page=2");

        String csv = given().get("/api/marts/dim_store?format=csv").then().statusCode(200)
                .contentType("text/csv").extract().asString();
        List<String> lines = csv.lines().toList();
        assertThat(lines.get(0)).startsWith("store_key,store_id,");
        assertThat(lines).hasSize(1 + ((Number) mart("select count(*) from marts.dim_store")).intValue());

        given().get("/api/marts/cur_rental").then().statusCode(404);
        given().get("/api/marts/nothing").then().statusCode(404);
        given().get("/api/marts/fact_rental;drop table x").then().statusCode(404);
        given().get("/api/marts/fact_rental?size=0").then().statusCode(400);
        given().get("/api/marts/fact_rental?size=10001").then().statusCode(400);
    }

    @Test
    void everyServedMartIsExportedToParquetAfterARefresh() throws Exception {
        awaitMartsHoldAllRentals(source, warehouse);
        Path exports = Path.of(Serving.EXPORTS);
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            // Another reader, as a BI tool would: a DuckDB of its own reading the files.
            try (Connection reader = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = reader.createStatement()) {
                for (String mart : List.of("obt_rental", "fact_payment", "dim_customer", "dim_date")) {
                    Path file = exports.resolve(mart + ".parquet");
                    assertThat(file).exists();
                    var rows = statement.executeQuery("select count(*) from read_parquet('" + file.toAbsolutePath() + "')");
                    rows.next();
                    assertThat(rows.getLong(1)).as(mart).isEqualTo(((Number) mart("select count(*) from marts." + mart)).longValue());
                }
            }
        });
        try (var partial = Files.list(exports)) {
            assertThat(partial.filter(file -> file.toString().endsWith(".partial")).toList()).isEmpty();
        }
    }

    @Test
    void thePipelineStatusShowsEveryTable() throws Exception {
        awaitMartsHoldAllRentals(source, warehouse);
        JsonPath status = given().get("/api/pipeline").then().statusCode(200).extract().jsonPath();
        assertThat(status.getList("tables.table")).containsAll(SourceDatabases.TABLES);
        long sourceRentals;
        try (Connection connection = source.open()) {
            sourceRentals = ((Number) SourceDatabases.single(connection, "select count(*) from rental")).longValue();
        }
        assertThat(status.getLong("tables.find { it.table == 'rental' }.snapshotRows")).isLessThanOrEqualTo(sourceRentals).isPositive();
        assertThat(status.getString("capture.phase")).isEqualTo("streaming");
        assertThat(status.getLong("capture.replicationLagBytes")).isNotNegative();
        assertThat(status.getString("marts.lastCycleAt")).isNotNull();
        assertThat(status.getLong("deadLetters.count")).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                given().get("/api/pipeline").then().extract().jsonPath().getList("dataTests.results")).isNotEmpty());
    }

    private void assertHeadline(JsonPath dashboard, String where) throws Exception {
        String from = " from marts.obt_rental" + where;
        assertThat(new BigDecimal(dashboard.getString("headline.revenue")))
                .isEqualByComparingTo(new BigDecimal(String.valueOf(mart("select coalesce(sum(amount_paid), 0)" + from))));
        assertThat(dashboard.getLong("headline.rentals")).isEqualTo(((Number) mart("select count(*)" + from)).longValue());
        assertThat(dashboard.getLong("headline.activeCustomers"))
                .isEqualTo(((Number) mart("select count(distinct customer_id)" + from)).longValue());
        assertThat(dashboard.getLong("headline.lateReturns"))
                .isEqualTo(((Number) mart("select count(*)" + from + (where.isEmpty() ? " where" : " and") + " is_late")).longValue());
    }

    private static JsonPath dashboard(String query) {
        return given().get("/api/dashboard" + query).then().statusCode(200).extract().jsonPath();
    }

    private Object mart(String sql) throws Exception {
        try (Connection connection = warehouse.connect()) {
            return SourceDatabases.single(connection, sql);
        }
    }

    static void awaitMartsHoldAllRentals(SourceConnections source, Warehouse warehouse) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
                assertThat(SourceDatabases.single(marts, "select count(*) from marts.obt_rental"))
                        .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.rental"));
            }
        });
    }
}
