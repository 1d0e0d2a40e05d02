package io.livewarehouse.marts;

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
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A transaction that is open while the replication slot is created commits after the slot's snapshot, so the
 * snapshot does not hold its changes, yet they carry LSNs below the snapshot's (PostgreSQL decodes every
 * transaction that commits after the consistent point). The current state must take such a change, staged
 * after the snapshot, over the snapshot row: source order is the staging batch first, not the LSN.
 */
@QuarkusTest
@TestProfile(SourceOrderTest.Own.class)
class SourceOrderTest {

    public static class Own implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("source_order");
        }
    }

    @Inject
    Warehouse warehouse;

    @Inject
    MartRunner runner;

    @Test
    void aChangeStagedAfterTheSnapshotWinsEvenBelowTheSnapshotsLsn() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection staging = warehouse.connect(); Statement statement = staging.createStatement()) {
            statement.execute("""
                    create table staging.order_probe (id integer, v varchar, _cdc_op varchar, _cdc_lsn bigint,
                        _cdc_seq integer, _cdc_tx_id bigint, _cdc_source_ts timestamptz, _cdc_loaded_at timestamptz,
                        _cdc_deleted boolean, _cdc_unavailable json)""");
            // Snapshot at LSN 1000 in one batch; the late transaction's update (LSN 900) and delete (LSN 950)
            // in the next.
            statement.execute("""
                    insert into staging.order_probe values
                        (1, 'snapshot', 'r', 1000, 0, 5, now(), now() - interval 2 second, false, null),
                        (2, 'snapshot', 'r', 1000, 0, 5, now(), now() - interval 2 second, false, null),
                        (3, 'snapshot', 'r', 1000, 0, 5, now(), now() - interval 2 second, false, null),
                        (1, 'late update', 'u', 900, 0, 7, now(), now() - interval 1 second, false, null),
                        (2, null, 'd', 950, 1, 7, now(), now() - interval 1 second, true, null)""");
            statement.execute("insert into _pipeline.staging_tables values ('order_probe', 'id')");
        }
        runner.refresh();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.rows(staging, "select id, v from marts.cur_order_probe order by id"))
                    .containsExactly(List.of(1, "late update"), List.of(3, "snapshot"));
        }
    }
}
