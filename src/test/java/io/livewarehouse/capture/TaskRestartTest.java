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
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication connection drops while a large source transaction is being staged. Debezium then restarts
 * its task inside the running engine (no new engine, no new offset store) and replays from the stored offsets,
 * which sit before that transaction, while part of it is already in staging (written without offsets, as
 * offsets are only stored at transaction ends). Staging must still hold every change exactly once.
 */
@QuarkusTest
@TestProfile(TaskRestartTest.SmallBatches.class)
class TaskRestartTest {

    /** Its own capture; small batches, so a large transaction is written in many parts. */
    public static class SmallBatches implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Debezium's own snapshot here (the default is the snapshot by COPY), so that path stays covered:
            // each round compares staging with the source.
            return OwnCapture.named("task_restart", "pipeline.staging.batch-size", "500",
                    "pipeline.cdc.snapshot-method", "debezium");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    CaptureStatus capture;

    @Test
    void aReplayAfterATaskRestartStoresNothingTwice() throws Exception {
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        int enginesBefore = capture.engineStarts();
        int rentals;
        try (Connection connection = source.open()) {
            rentals = ((Number) SourceDatabases.single(connection, "select count(*) from rental")).intValue();
        }
        int passes = 4;
        boolean cutMidTransaction = false;
        for (int round = 0; round < 5 && !cutMidTransaction; round++) {
            long before = updatesStaged();
            long transaction;
            try (Connection connection = source.open()) {
                connection.setAutoCommit(false);
                for (int pass = 0; pass < passes; pass++) {
                    try (var statement = connection.createStatement()) {
                        statement.executeUpdate("update rental set last_update = last_update + interval '1 second'");
                    }
                }
                transaction = ((Number) SourceDatabases.single(connection, "select txid_current()")).longValue();
                connection.commit();
            }
            long total = (long) rentals * passes;
            // Cut the replication connection once part of the transaction is staged, and not all of it.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                long staged = updatesStaged() - before;
                if (staged >= total) {
                    break;
                }
                if (staged > 0) {
                    terminateWalSender();
                    // Debezium restarts the task after its retry delay; wait for the new replication connection.
                    Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                            .until(() -> slotActive());
                    cutMidTransaction = true;
                    break;
                }
                Thread.sleep(5);
            }
            awaitCaughtUp();
            assertThat(updatesStaged() - before).as("updates of the large transaction in staging").isEqualTo(total);
            try (Connection staging = warehouse.connect()) {
                // Its events are numbered 0, 1, 2... in transaction order, replayed part included.
                assertThat(SourceDatabases.rows(staging, "select count(distinct _cdc_seq), min(_cdc_seq), max(_cdc_seq) "
                        + "from staging.rental where _cdc_tx_id = " + transaction).get(0))
                        .containsExactly(total, 0, (int) total - 1);
            }
            StagingComparison.awaitStagingEqualsSource(source, warehouse);
            try (Connection connection = source.open(); Connection staging = warehouse.connect()) {
                StagingComparison.assertNoDuplicates(connection, staging);
            }
        }
        assertThat(cutMidTransaction).as("the connection was cut while a transaction was half staged").isTrue();
        assertThat(capture.engineStarts()).as("a task restart, not an engine restart").isEqualTo(enginesBefore);
    }

    @Inject
    io.livewarehouse.staging.StagingWriter writer;

    /** Commits a marker transaction at the source and waits until staging holds it, so every replay is over. */
    private void awaitCaughtUp() throws Exception {
        long transaction;
        try (Connection connection = source.open()) {
            connection.setAutoCommit(false);
            try (var statement = connection.createStatement()) {
                statement.executeUpdate("update country set last_update = last_update + interval '1 second' where country_id = 1");
            }
            transaction = ((Number) SourceDatabases.single(connection, "select txid_current()")).longValue();
            connection.commit();
        }
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> writer.progress().lastStagedTransactionId() >= transaction);
    }

    private boolean slotActive() throws Exception {
        try (Connection connection = source.open()) {
            return Boolean.TRUE.equals(SourceDatabases.single(connection,
                    "select bool_or(active) from pg_replication_slots where slot_name = 'task_restart'"));
        }
    }

    private long updatesStaged() throws Exception {
        try (Connection staging = warehouse.connect()) {
            return (Long) SourceDatabases.single(staging, "select count(*) from staging.rental where _cdc_op = 'u'");
        }
    }

    private void terminateWalSender() throws Exception {
        try (Connection connection = source.open()) {
            assertThat(SourceDatabases.single(connection, "select count(pg_terminate_backend(active_pid)) "
                    + "from pg_replication_slots where slot_name = 'task_restart' and active")).isEqualTo(1L);
        }
    }
}
