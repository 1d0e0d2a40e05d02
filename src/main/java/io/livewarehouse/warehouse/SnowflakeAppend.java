package io.livewarehouse.warehouse;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * How staging rows are appended on Snowflake ({@link SnowflakeDialect#append}): a large batch of a table by
 * PUT and COPY INTO from a file; smaller ones by array-bound INSERTs sized so that the driver never runs DDL
 * inside the staging batch's transaction, and INSERT ... SELECT FROM VALUES for tables with JSON columns
 * (every staging table has two, the CDC columns _cdc_unavailable and _cdc_invalid).
 */
final class SnowflakeAppend {

    /** Rows per INSERT ... SELECT FROM VALUES when a table has JSON columns (parse_json is not allowed in VALUES). */
    static final int ROWS_PER_VALUES_INSERT = 500;
    /** Snowflake's default CLIENT_STAGE_ARRAY_BINDING_THRESHOLD, used until the session's own is known. */
    static final int DEFAULT_STAGE_BINDING_THRESHOLD = 65_280;

    private final SnowflakeDialect dialect;
    private volatile int stageBindingThreshold = DEFAULT_STAGE_BINDING_THRESHOLD;
    /** Set from pipeline.warehouse.snowflake.copy-batch-rows by SnowflakeWarehouse; 0 (never) until then. */
    private volatile int copyBatchRows;

    SnowflakeAppend(SnowflakeDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * The session's CLIENT_STAGE_ARRAY_BINDING_THRESHOLD (SnowflakeWarehouse reads it at the first login): a
     * JDBC batch with at least that many bound values is not sent inline but uploaded by the driver to a
     * temporary stage, which it first creates with CREATE TEMPORARY STAGE, once per session, whenever that
     * happens to be: DDL, which would commit the staging batch's open transaction (rows without their
     * offsets). 0 means the driver never does.
     */
    void stageBindingThreshold(int threshold) {
        this.stageBindingThreshold = threshold;
    }

    /**
     * From how many rows a table's part of a batch is loaded from a file ({@code pipeline.warehouse.snowflake.copy-batch-rows};
     * 0: never): PUT and COPY INTO are two statements whatever the rows, where INSERTs take one per
     * {@link #ROWS_PER_VALUES_INSERT} rows, and Snowflake loads files in parallel, not row by row.
     */
    void copyBatchRows(int rows) {
        this.copyBatchRows = rows;
    }

    /** Rows per array-bound request so that the driver sends them inline (see {@link #stageBindingThreshold}). */
    int rowsPerArrayBinding(int columns) {
        int threshold = stageBindingThreshold;
        return threshold <= 0 ? Integer.MAX_VALUE : Math.max(1, (threshold - 1) / Math.max(1, columns));
    }

    /**
     * Appends by batched binds: one INSERT, its rows added with {@code addBatch}, which the driver sends as
     * array bindings, one request per {@link #rowsPerArrayBinding} rows: kept below the stage threshold, so
     * that nothing in the driver runs DDL inside the batch's transaction. A table with JSON columns is loaded
     * with INSERT ... SELECT parse_json(...) FROM VALUES, {@link #ROWS_PER_VALUES_INSERT} rows a statement:
     * Snowflake takes no function in a VALUES list, and a bound string would be stored as a JSON string.
     */
    void append(Connection connection, String schema, String table, List<StagingColumn> columns, List<Object[]> rows)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        String target = dialect.quote(schema) + "." + dialect.quote(table);
        String names = columns.stream().map(column -> dialect.quote(column.name())).collect(Collectors.joining(", "));
        int copyFrom = copyBatchRows;
        if (copyFrom > 0 && rows.size() >= copyFrom) {
            copy(connection, schema, table, target, names, columns, rows);
            return;
        }
        boolean json = columns.stream().anyMatch(column -> column.type().kind() == ColumnType.Kind.JSON);
        if (!json) {
            String placeholders = columns.stream().map(column -> "?").collect(Collectors.joining(", "));
            int perRequest = rowsPerArrayBinding(columns.size());
            try (PreparedStatement insert = connection.prepareStatement(
                    "insert into " + target + " (" + names + ") values (" + placeholders + ")")) {
                int batched = 0;
                for (Object[] row : rows) {
                    bindRow(insert, 0, columns, row);
                    insert.addBatch();
                    if (++batched == perRequest) {
                        insert.executeBatch();
                        batched = 0;
                    }
                }
                if (batched > 0) {
                    insert.executeBatch();
                }
            }
            return;
        }
        String selected = IntStream.range(0, columns.size())
                .mapToObj(i -> columns.get(i).type().kind() == ColumnType.Kind.JSON
                        ? "parse_json(column" + (i + 1) + ")" : "column" + (i + 1))
                .collect(Collectors.joining(", "));
        String tuple = "(" + columns.stream().map(column -> "?").collect(Collectors.joining(", ")) + ")";
        for (int from = 0; from < rows.size(); from += ROWS_PER_VALUES_INSERT) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_VALUES_INSERT));
            String sql = "insert into " + target + " (" + names + ") select " + selected + " from values "
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), tuple));
            try (PreparedStatement insert = connection.prepareStatement(sql)) {
                int offset = 0;
                for (Object[] row : chunk) {
                    bindRow(insert, offset, columns, row);
                    offset += columns.size();
                }
                insert.executeUpdate();
            }
        }
    }

    /**
     * The rows written to a gzipped CSV file, PUT to the user stage ({@code @~}, under a folder of the table's),
     * and loaded by COPY INTO, in the batch's transaction: PUT is a file operation, not a statement of the
     * transaction, and COPY INTO is DML, committed (or rolled back) with the batch's other rows and its
     * offsets. The user stage, not the table's own ({@code @%table}): COPY takes a select (parse_json for the
     * JSON columns) only from a user or named stage, and neither needs DDL. Each file has a name of its own and
     * is purged once loaded, so a retried batch loads its new file, never an older attempt's; a COPY that
     * fails removes its file, and a file whose COPY never ran (the process died after its PUT) stays on the
     * stage, unread.
     */
    private void copy(Connection connection, String schema, String table, String target, String names,
                      List<StagingColumn> columns, List<Object[]> rows) throws SQLException {
        String stage = "@~/live_warehouse/" + folder(schema) + "/" + folder(table) + "/";
        String expressions = IntStream.range(0, columns.size())
                .mapToObj(i -> columns.get(i).type().kind() == ColumnType.Kind.JSON
                        ? "parse_json($" + (i + 1) + ")" : "$" + (i + 1))
                .collect(Collectors.joining(", "));
        java.nio.file.Path file = null;
        try {
            file = java.nio.file.Files.createTempFile("batch-", ".csv.gz");
            SnowflakeBatchFile.write(file, rows);
            try (java.sql.Statement statement = connection.createStatement()) {
                statement.execute(dialect.statement("put-staging-batch", java.util.Map.of(
                        "file_url", "file://" + file.toAbsolutePath(), "stage", stage)));
                try {
                    long loaded = statement.executeLargeUpdate(dialect.statement("copy-staging-batch", java.util.Map.of(
                            "table", target, "columns", names, "expressions", expressions, "stage", stage,
                            "files", "'" + file.getFileName() + "'")));
                    if (loaded != rows.size()) {
                        throw new SQLException("COPY INTO " + target + " loaded " + loaded + " of the batch's "
                                + rows.size() + " rows from " + stage);
                    }
                } catch (SQLException e) {
                    removeQuietly(statement, stage + file.getFileName());
                    throw e;
                }
            }
        } catch (java.io.IOException e) {
            throw new SQLException("could not write the batch file of " + table + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (java.io.IOException e) {
                    // A temporary file; the next batch's has its own name.
                }
            }
        }
    }

    /** A failed COPY leaves its file on the stage (PURGE removes only loaded files): removed, if Snowflake lets it. */
    private void removeQuietly(java.sql.Statement statement, String stagedFile) {
        try {
            statement.execute(dialect.statement("remove-staging-batch", java.util.Map.of("file", stagedFile)));
        } catch (SQLException e) {
            // The batch's own failure is what counts; a file left is never read (each attempt names its own).
        }
    }

    /** A stage folder for a schema or table name: a path, not an identifier, so only letters, digits, _. */
    private static String folder(String name) {
        return name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private void bindRow(PreparedStatement insert, int offset, List<StagingColumn> columns, Object[] row)
            throws SQLException {
        for (int i = 0; i < columns.size(); i++) {
            dialect.bind(insert, offset + i + 1, row[i]);
        }
    }
}
