package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/**
 * Before a snapshot starts over, drops the replication slot an earlier, unfinished attempt left behind.
 *
 * <p>Why: Debezium redoes an interrupted snapshot, but with the old slot still there it then streams from the
 * slot's old position, so every change made between the slot's creation and the new snapshot arrives twice:
 * once inside the new snapshot and once as a streamed event. Nothing downstream depends on that slot (no
 * streaming position was ever committed), so dropping it lets Debezium create a fresh one whose exported
 * snapshot and stream meet exactly.
 */
final class UnfinishedSnapshotGuard {

    private static final Logger LOG = Logger.getLogger(UnfinishedSnapshotGuard.class);
    /** Snapshot modes that take a snapshot when no finished one is recorded. */
    private static final Set<String> SNAPSHOTTING_MODES = Set.of("initial", "initial_only", "always", "when_needed");

    private UnfinishedSnapshotGuard() {
    }

    /** Whether the snapshot mode takes a snapshot when no finished one is recorded. */
    static boolean takesSnapshot(String snapshotMode) {
        return SNAPSHOTTING_MODES.contains(snapshotMode);
    }

    static void apply(Map<String, String> storedOffsets, String snapshotMode, String slotName, SourceConnections source)
            throws SQLException {
        if (!takesSnapshot(snapshotMode) || StagedPosition.of(storedOffsets).snapshotFinished()) {
            return;
        }
        try (Connection connection = source.open();
             PreparedStatement drop = connection.prepareStatement(
                     "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ? and not active")) {
            drop.setString(1, slotName);
            try (ResultSet dropped = drop.executeQuery()) {
                if (dropped.next()) {
                    LOG.infof("No finished snapshot is recorded in the warehouse: dropped replication slot %s so the "
                            + "snapshot starts over from a fresh, consistent slot", slotName);
                }
            }
        }
    }
}
