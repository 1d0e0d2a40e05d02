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

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The data tests declared beside the models pass on true marts and catch deliberately broken ones. */
@QuarkusTest
class DataTestsTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    MartRunner runner;

    @Test
    void dataTestsPassOnTrueMartsAndCatchABrokenOne() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
        given().when().post("/pipeline/data-tests").then().statusCode(200)
                .body("status", everyItem(equalTo("passed")))
                .body("test", hasItem("reconcile_payment_amount_sum"))
                .body("test", hasItem("relationships_customer_key_dim_customer"))
                // sources.yml declares the freshness of rental and payment: just staged, so fresh.
                .body("findAll { it.test == 'freshness' }.model",
                        org.hamcrest.Matchers.containsInAnyOrder("source.rental", "source.payment"));

        long brokenKey;
        try (Connection marts = warehouse.connect(); Statement statement = marts.createStatement()) {
            brokenKey = (Long) SourceDatabases.single(marts, "select customer_key from marts.fact_rental where rental_id = 5");
            // A fact pointing at no customer version, and a second current version of one film.
            statement.execute("update marts.fact_rental set customer_key = -1 where rental_id = 5");
            statement.execute("insert into marts.dim_film select film_key + 1000000, film_id, title, description, "
                    + "release_year, language, categories, rental_duration, rental_rate, length, replacement_cost, rating, "
                    + "special_features, valid_from, valid_to, is_current, is_deleted, row_hash, loaded_at "
                    + "from marts.dim_film where film_id = 3 and is_current");
        }
        try {
            given().when().post("/pipeline/data-tests").then().statusCode(200)
                    .body("findAll { it.status == 'failed' }.test",
                            org.hamcrest.Matchers.containsInAnyOrder("relationships_customer_key_dim_customer",
                                    "unique_current_film_id", "reconcile_current_films"))
                    // Nothing changed at the source: the second current version is the marts' error, not lag.
                    .body("find { it.test == 'reconcile_current_films' }.detail", containsString("0 changing keys left out"));
            given().when().get("/q/health/ready").then().statusCode(503)
                    .body(containsString("fact_rental.relationships_customer_key_dim_customer"))
                    .body(containsString("dim_film.unique_current_film_id"));
            assertThat(given().when().get("/q/metrics").then().extract().asString())
                    .contains("pipeline_data_tests_failing 3.0");
            try (Connection marts = warehouse.connect()) {
                assertThat(SourceDatabases.single(marts, "select failing_rows from _pipeline.data_test_results "
                        + "where model = 'fact_rental' and test = 'relationships_customer_key_dim_customer' order by run_at desc limit 1"))
                        .isEqualTo(1L);
                // The run log: this run failed three tests.
                assertThat(SourceDatabases.rows(marts, "select status, failed, tests > 30, finished_at >= started_at "
                        + "from _pipeline.data_test_runs order by started_at desc limit 1").get(0))
                        .containsExactly("failed", 3, true, true);
            }
        } finally {
            try (Connection marts = warehouse.connect(); Statement statement = marts.createStatement()) {
                statement.execute("update marts.fact_rental set customer_key = " + brokenKey + " where rental_id = 5");
                statement.execute("delete from marts.dim_film where film_key > 1000000");
            }
        }
        given().when().post("/pipeline/data-tests").then().statusCode(200).body("status", everyItem(equalTo("passed")));
        given().when().get("/q/health/ready").then().statusCode(200);
    }
}
