package io.livewarehouse.capture;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit protocol's rule for offsets, without a database: only transaction boundaries are stored. */
@Tag("unit")
class StagingCommitTest {

    private static final String KEY = "[\"live-warehouse\",{\"server\":\"live-warehouse\"}]";

    @Test
    void offsetsAtACommitOrInTheSnapshotAreStoredAndOffsetsInsideATransactionAreNot() {
        String commit = "{\"lsn_proc\":41306864,\"messageType\":\"COMMIT\",\"lsn\":41306864,\"txId\":812}";
        String insideTransaction = "{\"lsn_proc\":41306800,\"messageType\":\"INSERT\",\"lsn\":41306800,\"txId\":812}";
        String snapshot = "{\"last_snapshot_record\":false,\"lsn\":41300000,\"snapshot\":\"INITIAL\"}";
        String heartbeatMessage = "{\"lsn_proc\":41307000,\"messageType\":\"MESSAGE\",\"lsn\":41307000}";

        assertThat(StagingCommit.offsetsToStore(Map.of(KEY, commit))).containsEntry(KEY, commit);
        assertThat(StagingCommit.offsetsToStore(Map.of(KEY, snapshot))).containsEntry(KEY, snapshot);
        assertThat(StagingCommit.offsetsToStore(Map.of(KEY, heartbeatMessage))).containsEntry(KEY, heartbeatMessage);
        assertThat(StagingCommit.offsetsToStore(Map.of(KEY, insideTransaction)))
                .as("rows are written, offsets kept: a restart replays the open transaction from its start").isNull();
        assertThat(StagingCommit.offsetsToStore(Map.of(KEY, commit, "other", insideTransaction))).isNull();
        assertThat(StagingCommit.isTransactionBoundary("not json")).isFalse();
    }
}
