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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A change the warehouse refuses every time (here a staging column someone turned into an ENUM that lacks the
 * new value): it is not retried for ever. After {@code pipeline.staging.write-attempts} failures the batch is
 * taken apart, that one change goes to the dead letters with its content and the error, and the changes
 * beside it and after it, of the same table and of others, are staged.
 */
@QuarkusTest
@TestProfile(UnwritableChangeTest.ThreeAttempts.class)
class UnwritableChangeTest {

    public static class ThreeAttempts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("unwritable", "pipeline.staging.write-attempts", "3");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void aChangeTheWarehouseAlwaysRefusesIsDeadLetteredAndEverythingElseFlows() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("alter table public.city add column grade text");
            statement.execute("update public.city set grade = 'x' where city_id = 1");
        }
        await("select count(*) from staging.city where city_id = 1 and grade = 'x'");
        try (Connection staging = warehouse.connect(); Statement statement = staging.createStatement()) {
            statement.execute("create type grade_values as enum ('x')");
            statement.execute("alter table staging.city alter column grade set data type grade_values");
        }
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("update public.city set grade = 'y' where city_id = 2");
            statement.execute("update public.city set grade = 'x' where city_id = 3");
            statement.execute("update public.address set address2 = 'Beside The Refused' where address_id = 5");
            connection.commit();
            statement.execute("update public.address set address2 = 'After The Refused' where address_id = 6");
            connection.commit();
            // The shared source as the other tests expect it.
            statement.execute("alter table public.city drop column grade");
            connection.commit();
        }
        await("select count(*) from staging.address where address_id = 6 and address2 = 'After The Refused'");
        try (Connection staging = warehouse.connect()) {
            List<List<Object>> letters = SourceDatabases.rows(staging,
                    "select table_name, key_json, payload_json, error from _pipeline.dead_letters");
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).get(0)).isEqualTo("city");
            assertThat((String) letters.get(0).get(1)).contains("\"city_id\":\"2\"");
            assertThat((String) letters.get(0).get(2)).contains("\"grade\":\"y\"");
            assertThat((String) letters.get(0).get(3)).contains("not stageable after 3 attempts").contains("ENUM");
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.city where city_id = 3 "
                    + "and grade = 'x' and _cdc_op = 'u'")).isEqualTo(1L);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.address where address_id = 5 "
                    + "and address2 = 'Beside The Refused'")).isEqualTo(1L);
        }
    }

    private void await(String countQuery) {
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return SourceDatabases.single(staging, countQuery).equals(1L);
            }
        });
    }
}
