package io.livewarehouse.health;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/** What an orchestrator sees: the pipeline is ready once the embedded source and the warehouse answer. */
@QuarkusTest
class ReadinessTest {

    @Test
    void readyWithTheEmbeddedSourceAndTheDuckDbWarehouse() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("source", "warehouse"))
                .body("checks.find { it.name == 'source' }.data.walLevel", equalTo("logical"))
                .body("checks.find { it.name == 'source' }.data.database", equalTo("dvdrental"))
                .body("checks.find { it.name == 'source' }.data.serverVersion", org.hamcrest.Matchers.startsWith("17."));
    }

    @Test
    void aliveWhileRunningAndStartedOnceTheSnapshotIsInStaging() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(2)).untilAsserted(() ->
                given().when().get("/q/health/started").then().statusCode(200)
                        .body("checks.find { it.name == 'initial-snapshot' }.status", equalTo("UP")));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'capture-engine' }.data.engine", equalTo("running"))
                .body("checks.find { it.name == 'capture-engine' }.data.route", equalTo("Started"));
        given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'source' }.data.slotActive", equalTo(true))
                .body("checks.find { it.name == 'source' }.data.replicationLagBytes", org.hamcrest.Matchers.notNullValue());
        org.assertj.core.api.Assertions.assertThat(given().when().get("/q/metrics").then().extract().asString())
                .contains("pipeline_replication_lag_bytes", "pipeline_replication_retained_bytes",
                        "pipeline_staging_latency_seconds", "pipeline_staging_write_seconds", "pipeline_staging_batch_rows");
    }
}
