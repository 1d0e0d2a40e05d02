package io.livewarehouse.staging;

import io.livewarehouse.types.StagingColumn;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One source change converted for staging: the source columns (in source order) with their values, the key
 * columns, and the CDC metadata. {@code unavailableColumns} lists columns the source did not send;
 * {@code invalidValues} (column to source text, in column order; empty for most changes) the values staging
 * cannot hold, whose columns are NULL in {@code values}.
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
        List<String> unavailableColumns,
        java.util.Map<String, String> invalidValues) {

    /** A change whose every value staging holds. */
    public StagedChange(String table, List<StagingColumn> columns, Object[] values, List<String> keyColumns,
                        String operation, long lsn, int sequence, Long transactionId, OffsetDateTime sourceTimestamp,
                        List<String> unavailableColumns) {
        this(table, columns, values, keyColumns, operation, lsn, sequence, transactionId, sourceTimestamp,
                unavailableColumns, java.util.Map.of());
    }

    public boolean deleted() {
        return "d".equals(operation);
    }
}
