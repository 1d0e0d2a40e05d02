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
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A legal value Debezium's own parsing rejects before any converter sees it (an interval of 2,562,047,788
 * hours, PostgreSQL's largest, which the JDBC driver's PGInterval cannot hold): with Debezium's default the
 * engine stops and meets the event again at every restart. Here that event becomes a dead letter with its
 * position and the error, the engine keeps running, and the changes after it arrive.
 */
@QuarkusTest
@TestProfile(UnconvertibleEventTest.Own.class)
class UnconvertibleEventTest {

    public static class Own implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("unconvertible");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void anEventDebeziumCannotConvertIsDeadLetteredAndTheStreamGoesOn() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("alter table public.city add column span interval");
            statement.execute("update public.city set span = '2562047788 hours' where city_id = 7");
            statement.execute("update public.city set span = '1 day' where city_id = 8");
            statement.execute("update public.address set address2 = 'after the unconvertible' where address_id = 7");
            statement.execute("alter table public.city drop column span");
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return SourceDatabases.single(staging,
                        "select count(*) from staging.address where address_id = 7 and address2 = 'after the unconvertible'").equals(1L);
            }
        });
        try (Connection staging = warehouse.connect()) {
            List<List<Object>> letters = SourceDatabases.rows(staging, "select lsn, payload_json, error from _pipeline.dead_letters");
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).get(0)).isNotNull();
            assertThat((String) letters.get(0).get(1)).contains("\"offset\"").contains("2562047788");
            assertThat((String) letters.get(0).get(2)).contains("Debezium could not convert this event").contains("interval");
            assertThat(SourceDatabases.single(staging, "select span from staging.city where city_id = 8 and span is not null"))
                    .isEqualTo("1 day");
        }
        given().when().get("/q/health/live").then().statusCode(200);
    }
}
