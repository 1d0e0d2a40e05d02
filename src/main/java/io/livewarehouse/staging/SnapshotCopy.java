package io.livewarehouse.staging;

import io.livewarehouse.types.StagingColumn;
import java.nio.file.Path;
import java.util.List;

/**
 * One source table copied for the initial snapshot: its staging columns (types as the change stream gives
 * them), key columns, the columns to stage as their salted hash, and a CSV file with one row per source row
 * (every value quoted, NULL unquoted; the last column is the row's _cdc_invalid object), and the length in bytes
 * of its longest record.
 */
public record SnapshotCopy(String schema, String table, List<StagingColumn> columns, List<String> keyColumns,
                           java.util.Set<String> hashedColumns, Path file, long rows, long longestRecord,
                           java.util.Map<String, Long> invalidValues) {

    public SnapshotCopy(String schema, String table, List<StagingColumn> columns, List<String> keyColumns,
                        java.util.Set<String> hashedColumns, Path file, long rows, long longestRecord) {
        this(schema, table, columns, keyColumns, hashedColumns, file, rows, longestRecord, java.util.Map.of());
    }

    /** The copy with the number of values per column staged as NULL with their text in _cdc_invalid. */
    public SnapshotCopy withInvalidValues(java.util.Map<String, Long> counts) {
        return new SnapshotCopy(schema, table, columns, keyColumns, hashedColumns, file, rows, longestRecord, counts);
    }

    /** Copies the source tables one at a time, when the writer is ready for the next. */
    @FunctionalInterface
    public interface Tables {
        /** The next table copied to its file, or null when all are. */
        SnapshotCopy next() throws java.sql.SQLException, java.io.IOException;
    }
}
