package io.livewarehouse.capture;

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
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * With dead letters switched off, an event that cannot be staged stops the pipeline from committing: nothing
 * after it is stored or acknowledged, and readiness says why, until the cause is fixed and it restarts.
 */
@QuarkusTest
@TestProfile(FailFastTest.FailFast.class)
class FailFastTest {

    /** Its own capture (slot, offsets) and warehouse, beside the default test profile's. */
    public static class FailFast implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("fail_fast",
                    "pipeline.staging.dead-letter-enabled", "false");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void aPoisonEventStopsCommitsAndReadinessSaysWhy() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("alter table public.staff add column fail_fast_probe integer");
            statement.execute("update public.staff set fail_fast_probe = 1 where staff_id = 2");
            statement.execute("alter table public.staff alter column fail_fast_probe type text using fail_fast_probe::text");
            statement.execute("update public.staff set fail_fast_probe = 'x' where staff_id = 2");
            statement.execute("update public.staff set email = 'after.poison@example.com' where staff_id = 1");
            // Leave the shared source as the other tests expect it, with a last change every capture can stage.
            statement.execute("alter table public.staff drop column fail_fast_probe");
            statement.execute("update public.staff set email = email where staff_id = 2");
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(503)
                        .body(containsString("cannot be widened")).body(containsString("dead-letter-enabled=false")));
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            // Nothing from the poison event on is stored: not it, not the change after it.
            assertThat(SourceDatabases.single(staging,
                    "select count(*) from staging.staff where email = 'after.poison@example.com'")).isEqualTo(0L);
        }
    }
}
