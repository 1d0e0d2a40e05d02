package io.livewarehouse.operations;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.support.OwnCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A CDC route stopped on purpose makes the pipeline not ready but leaves it alive. When the Debezium engine
 * dies (here: its replication connection is cut and no retry is allowed), Camel does not bring it back, so
 * liveness turns DOWN for the orchestrator to restart the process; readiness says why.
 */
@QuarkusTest
@TestProfile(EngineDeathTest.NoRetries.class)
class EngineDeathTest {

    /** Its own capture and warehouse; the engine gives up at the first connection error. */
    public static class NoRetries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("engine_death",
                    "pipeline.cdc.max-retries", "0");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    org.apache.camel.CamelContext camel;

    @Test
    void aDeadEngineTurnsLivenessDown() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        Awaitility.await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                given().when().get("/q/health/live").then().statusCode(200)
                        .body("checks.find { it.name == 'capture-engine' }.data.engine", equalTo("running")));
        // A CDC route stopped on purpose: not ready, but not dead either; started again, it goes on.
        camel.getRouteController().stopRoute("cdc-to-staging");
        given().when().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'capture' }.data.route", equalTo("Stopped"));
        given().when().get("/q/health/live").then().statusCode(200);
        camel.getRouteController().startRoute("cdc-to-staging");
        Awaitility.await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200));

        try (Connection connection = source.open()) {
            Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> Boolean.TRUE.equals(SourceDatabases.single(connection,
                    "select bool_or(active) from pg_replication_slots where slot_name = 'engine_death'")));
            SourceDatabases.single(connection, "select count(pg_terminate_backend(active_pid)) from pg_replication_slots "
                    + "where slot_name = 'engine_death' and active");
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().when().get("/q/health/live").then().statusCode(503)
                        .body("checks.find { it.name == 'capture-engine' }.status", equalTo("DOWN")));
        given().when().get("/q/health/ready").then().statusCode(503)
                .body(containsString("change data capture is not running"));
    }
}
