package io.livewarehouse.staging;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * One source change converted for staging: the source columns (in source order) with their values, the key
 * columns, and the CDC metadata. {@code unavailableColumns} lists columns the source did not send.
 */
public record StagedChange(
        String table,
        List<StagingColumn> columns,
        Object[] values,
        List<String> keyColumns,
        String operation,
        long lsn,
        int sequence,
        Long transactionId,
        OffsetDateTime sourceTimestamp,
        List<String> unavailableColumns) {

    public boolean deleted() {
        return "d".equals(operation);
    }
}
