package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingWriter;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table's own new snapshot, step by step against the running pipeline: its streamed changes are held
 * (staged without a load time, which no model reads) until the snapshot is staged, then follow its rows in
 * the same batch; a key staging held that the source does not have is staged as a delete; the current state
 * ends equal to the source.
 */
@QuarkusTest
class TableResyncTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    StagingWriter writer;

    @Inject
    TableResync resync;

    @Inject
    io.livewarehouse.marts.MartRunner martRunner;

    @Test
    void heldChangesFollowTheNewSnapshotAndKeysItDoesNotSeeAreDeleted() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        martRunner.refresh();
        // Drift: a city staging holds that the source never had. (city: a table other tests change too.)
        try (Connection staging = warehouse.connect(); Statement statement = staging.createStatement()) {
            statement.execute("insert into staging.city (city_id, city, country_id, last_update, _cdc_op, _cdc_lsn, "
                    + "_cdc_seq, _cdc_tx_id, _cdc_source_ts, _cdc_loaded_at, _cdc_deleted) select 99999, 'Planted', 1, "
                    + "last_update, 'c', _cdc_lsn, 0, _cdc_tx_id, _cdc_source_ts, now(), false from staging.city limit 1");
        }
        martRunner.refresh();

        // Held: the changes of city are staged without a load time, and the current state does not see them.
        assertThat(writer.hold("public.city", "resync requested")).isTrue();
        long inserted;
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.city set city = 'Held' where city_id = 3");
            inserted = ((Number) SourceDatabases.single(connection,
                    "insert into public.city (city, country_id) values ('Newly Held', 1) returning city_id")).longValue();
        }
        awaitStaging("select count(*) from staging.city where _cdc_loaded_at is null", 2L);
        martRunner.refresh();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select city from marts.cur_city where city_id = 3"))
                    .isNotEqualTo("Held");
            assertThat(SourceDatabases.single(staging, "select count(*) from marts.cur_city where city_id = " + inserted))
                    .isEqualTo(0L);
        }

        // The snapshot: asked for again it is already waiting; then staged with the held changes after its rows.
        assertThat(resync.request("public.city", "resync requested")).isFalse();
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> writer.pendingResyncs().isEmpty());
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.city where _cdc_loaded_at is null"))
                    .isEqualTo(0L);
            // One batch: the snapshot rows, the two held changes and the planted key's delete share its load time.
            assertThat(SourceDatabases.rows(staging, "select _cdc_op, count(*) from staging.city where _cdc_loaded_at = "
                    + "(select max(_cdc_loaded_at) from staging.city) group by 1 order by 1"))
                    .isEqualTo(SourceDatabases.rows(staging, "select * from (values ('c', 1::bigint), ('d', 1::bigint), "
                            + "('r', (select count(*) from staging.city where _cdc_op = 'r' and _cdc_loaded_at = "
                            + "(select max(_cdc_loaded_at) from staging.city))), ('u', 1::bigint)) as v(op, n) order by 1"));
            assertThat(SourceDatabases.rows(staging, "select _cdc_op from staging.city where city_id = 99999 "
                    + "order by _cdc_loaded_at")).isEqualTo(List.of(List.of("c"), List.of("d")));
            assertThat(SourceDatabases.single(staging, "select reason from _pipeline.table_syncs "
                    + "where table_name = 'public.city' order by finished_at desc limit 1")).isEqualTo("resync requested");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        martRunner.refresh();
        try (Connection staging = warehouse.connect(); Connection connection = source.open()) {
            assertThat(SourceDatabases.rows(staging, "select city_id::bigint, city, country_id::bigint from marts.cur_city order by 1"))
                    .isEqualTo(SourceDatabases.rows(connection, "select city_id::bigint, city::text, country_id::bigint "
                            + "from public.city order by 1"));
        }
    }

    @Test
    void aTableNoLongerCapturedStopsWaitingAndItsHeldChangesAreStaged() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        assertThat(writer.hold("public.city", "resync requested")).isTrue();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.city set city = 'Held, then released' where city_id = 4");
        }
        awaitStaging("select count(*) from staging.city where _cdc_loaded_at is null", 1L);
        // Started again without public.city in pipeline.source.tables: no snapshot of it will come.
        List<String> others = List.of("public.actor", "public.film");
        assertThat(writer.cancelResyncsOf(others)).containsExactly("public.city");
        assertThat(writer.pendingResyncs()).doesNotContainKey("public.city");
        assertThat(writer.holds("city")).isFalse();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.city where _cdc_loaded_at is null"))
                    .isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.resyncs")).isEqualTo(0L);
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aTableAddedAndRemovedBeforeItsSnapshotLeavesNoPartialTableAndArrivesWholeWhenAddedAgain() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        // As if public.city had just been added: its changes are held for its first snapshot...
        assertThat(writer.hold("public.city", StagingWriter.ADDED)).isTrue();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.city set city = 'Held for a first snapshot' where city_id = 5");
        }
        awaitStaging("select count(*) from staging.city where _cdc_loaded_at is null", 1L);
        // ...and removed again before it came: the held change goes, it is not shown as if it were the table.
        assertThat(writer.cancelResyncsOf(List.of("public.actor"))).containsExactly("public.city");
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.city where _cdc_loaded_at is null"))
                    .isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.city "
                    + "where city = 'Held for a first snapshot'")).isEqualTo(0L);
        }
        // Added again: its own snapshot brings it whole, the change made while it was not captured included.
        assertThat(resync.request("public.city", StagingWriter.ADDED)).isTrue();
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> writer.pendingResyncs().isEmpty());
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    private void awaitStaging(String countQuery, long expected) {
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return SourceDatabases.single(staging, countQuery).equals(expected);
            }
        });
    }
}
