package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.OwnCapture;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * The same refused change in fail-fast mode (dead letters off): after the bounded attempts nothing more is
 * committed, and readiness names the table, the change and the error, instead of a write retried in silence.
 */
@QuarkusTest
@TestProfile(UnwritableChangeFailFastTest.FailFast.class)
class UnwritableChangeFailFastTest {

    public static class FailFast implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("unwritable_fail_fast", "pipeline.staging.write-attempts", "3",
                    "pipeline.staging.dead-letter-enabled", "false");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void readinessNamesTheTableAndTheChangeTheWarehouseRefuses() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("alter table public.city add column shade text");
            statement.execute("update public.city set shade = 'x' where city_id = 1");
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return SourceDatabases.single(staging, "select count(*) from staging.city where shade = 'x'").equals(1L);
            }
        });
        try (Connection staging = warehouse.connect(); Statement statement = staging.createStatement()) {
            statement.execute("create type shade_values as enum ('x')");
            statement.execute("alter table staging.city alter column shade set data type shade_values");
        }
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.city set shade = 'y' where city_id = 4");
            statement.execute("alter table public.city drop column shade");
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(503)
                        .body(containsString("staging city refuses the change at LSN"))
                        .body(containsString("city_id"))
                        .body(containsString("invalid ENUM value")));
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
        }
    }
}
