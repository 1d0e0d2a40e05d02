package io.livewarehouse.capture;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Map;

/**
 * How far staging holds the source, read from the Debezium offsets stored with the last committed batch:
 * whether the initial snapshot has finished, and the source position (LSN) of the last stored offset. Offsets
 * are stored only at transaction ends, so every source transaction that committed before {@code lsn} is in
 * staging.
 */
public record StagedPosition(boolean snapshotFinished, long lsn) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The highest source position the stored offsets name, the change position ({@code lsn}) or the commit
     * position ({@code lsn_commit}, what Debezium confirms to the replication slot): a slot that confirmed more
     * than this was moved by someone else. 0 when none is stored.
     */
    public static long highestLsn(Map<String, String> storedOffsets) {
        long highest = 0;
        for (String value : storedOffsets.values()) {
            try {
                Map<?, ?> offset = JSON.readValue(value, Map.class);
                for (String key : new String[] {"lsn", "lsn_commit"}) {
                    if (offset.get(key) instanceof Number position) {
                        highest = Math.max(highest, position.longValue());
                    }
                }
            } catch (IOException e) {
                return 0;
            }
        }
        return highest;
    }

    /** The position the stored offsets (offset key to offset JSON) stand for; none stored is the start. */
    public static StagedPosition of(Map<String, String> storedOffsets) {
        if (storedOffsets.isEmpty()) {
            return new StagedPosition(false, 0);
        }
        boolean finished = true;
        long lsn = 0;
        for (String value : storedOffsets.values()) {
            try {
                Map<?, ?> offset = JSON.readValue(value, Map.class);
                Object snapshot = offset.get("snapshot");
                boolean inSnapshot = snapshot != null && !"false".equalsIgnoreCase(String.valueOf(snapshot));
                if (inSnapshot && !Boolean.TRUE.equals(offset.get("last_snapshot_record"))) {
                    finished = false;
                }
                if (offset.get("lsn") instanceof Number position) {
                    lsn = Math.max(lsn, position.longValue());
                }
            } catch (IOException e) {
                return new StagedPosition(false, 0);
            }
        }
        return new StagedPosition(finished, lsn);
    }
}
