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
    void aliveWhileRunning() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
