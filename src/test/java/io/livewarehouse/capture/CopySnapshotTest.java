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
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshot by COPY stages the same rows, in the same types and forms, as Debezium's events would: the
 * staging tables equal the source value by value, and a streamed change of every table afterwards fits its
 * staging table as it is (no column widened or added, no dead letter).
 */
@QuarkusTest
@TestProfile(CopySnapshotTest.ByCopy.class)
class CopySnapshotTest {

    public static class ByCopy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("copy_snapshot", "pipeline.cdc.snapshot-method", "copy");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    SnapshotProgress progress;

    @Test
    void theCopiedSnapshotEqualsTheSourceAndStreamedChangesFitIt() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        List<List<Object>> typesAfterCopy;
        try (Connection staging = warehouse.connect()) {
            typesAfterCopy = columnTypes(staging);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.rental where _cdc_op <> 'r'"))
                    .as("the snapshot is all snapshot rows").isEqualTo(0L);
        }
        assertThat(progress.rowsRead()).containsKey("public.rental");

        // One change in every table, through the stream (an update that sends the whole row).
        try (Connection connection = source.open()) {
            for (String table : SourceDatabases.TABLES) {
                String key = StagingComparison.primaryKey(connection, table).get(0);
                SourceDatabases.rows(connection, "update " + table + " set " + key + " = " + key
                        + " where " + key + " = (select min(" + key + ") from " + table + ") returning 1");
            }
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        try (Connection connection = source.open(); Connection staging = warehouse.connect()) {
            StagingComparison.assertNoDuplicates(connection, staging);
            assertThat(columnTypes(staging)).as("staging columns after streamed changes").isEqualTo(typesAfterCopy);
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(distinct _cdc_lsn) from staging.film where _cdc_op = 'r'"))
                    .isEqualTo(1L);
        }
    }

    private static List<List<Object>> columnTypes(Connection staging) throws Exception {
        return SourceDatabases.rows(staging, "select table_name, column_name, data_type from information_schema.columns "
                + "where table_schema = 'staging' order by table_name, ordinal_position");
    }
}
