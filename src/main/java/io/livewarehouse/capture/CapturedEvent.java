package io.livewarehouse.capture;

import io.livewarehouse.staging.StagedChange;

import java.util.List;

/**
 * The body of the capture route after its conversion step: one source event as the changes it stages
 * (usually one; an update that moved a key Debezium does not know becomes a delete and an insert).
 *
 * @param schema   the source schema
 * @param table    the captured table as the source describes it (null for a table the catalog does not know)
 * @param snapshot Debezium's snapshot marker for a snapshot row ("first", "true", "last"), else null
 * @param changes  what goes to staging, in order
 * @param before   an update's converted old row, for the replica-identity step; null when not needed
 */
record CapturedEvent(String schema, CapturedTables.Table table, String snapshot, List<StagedChange> changes,
                     StagedChange before) {

    CapturedEvent withChanges(List<StagedChange> next) {
        return new CapturedEvent(schema, table, snapshot, List.copyOf(next), null);
    }

    boolean snapshotRow() {
        return snapshot != null;
    }
}
