package io.livewarehouse.warehouse;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** What differs between warehouses in SQL and loading: types, quoting, bulk appends, named statements. */
public interface WarehouseDialect {

    /** The dialect's name, which is also the folder of its SQL files (duckdb, snowflake). */
    String name();

    /** Quotes an identifier taken from a schema (never from user input). */
    String quote(String identifier);

    String typeOf(ColumnType type);

    /** The column type a warehouse type name (as its information schema reports it) stands for. */
    ColumnType parseType(String warehouseType);

    /** The value of a text expression (as the snapshot copy writes it) as a column of the given type. */
    String fromText(ColumnType type, String expression);

    /**
     * The lowercase hex SHA-256 of a bound salt followed by a text expression, as the capture hashes sensitive
     * columns; the expression holds one ? for the salt.
     */
    String saltedHash(String expression);

    /** The schema staging tables live in, as the catalog names it ({@code staging}; Snowflake: {@code STAGING}). */
    String stagingSchema();

    /** The schema of the marts (current-state tables, dimensions, facts). */
    default String martsSchema() {
        return "marts";
    }

    String pipelineSchema();

    /**
     * How the catalog (information_schema) spells an identifier this dialect {@link #quote}s: what to bind when
     * asking it about a table or column. DuckDB keeps names as written; Snowflake folds plain names to upper case.
     */
    default String catalogName(String identifier) {
        return identifier;
    }

    /** The pipeline's spelling of a name the catalog answered with: the inverse of {@link #catalogName}. */
    default String fromCatalog(String name) {
        return name;
    }

    /**
     * Shared SQL (models, templates) names schemas by their logical names {@code staging.}, {@code marts.} and
     * {@code _pipeline.}; this writes them as the warehouse's configured schemas.
     */
    default String qualify(String sql) {
        return sql;
    }

    /**
     * Binds a value held as one of the staged Java types ({@link ColumnType.Kind}; java.time for dates and
     * times, which not every driver takes through setObject).
     */
    default void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        statement.setObject(index, value);
    }

    /** Reads a TIMESTAMPTZ column as an instant in UTC (null for NULL). */
    default OffsetDateTime instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.withOffsetSameInstant(ZoneOffset.UTC);
    }

    /**
     * Whether snapshot files copied from the source can be loaded ({@code insert-snapshot-csv}), as
     * pipeline.cdc.snapshot-method=copy needs.
     */
    default boolean loadsSnapshotFiles() {
        return false;
    }

    /**
     * Whether a snapshot file is uploaded to the warehouse before the transaction that loads it (Snowflake:
     * {@code put-snapshot-file} to a load table's stage, then {@code copy-snapshot-file} and
     * {@code insert-snapshot-load} in the transaction), rather than read where it lies ({@code insert-snapshot-csv}).
     */
    default boolean uploadsSnapshotFiles() {
        return false;
    }

    /**
     * A staged value as an SQL literal of the column's type, for a column default in DDL (where nothing can be
     * bound); null for a value it does not write that way (binary).
     */
    default String literal(ColumnType type, Object value) {
        String text = switch (type.kind()) {
            case SMALLINT, INTEGER, BIGINT, DECIMAL -> value instanceof java.math.BigDecimal decimal
                    ? decimal.toPlainString() : value.toString();
            case REAL, DOUBLE -> value instanceof Number number && Double.isFinite(number.doubleValue()) ? value.toString() : null;
            case BOOLEAN -> value.toString();
            case TEXT, JSON -> "'" + value.toString().replace("'", "''") + "'";
            case DATE, TIME -> "'" + value + "'";
            case TIMESTAMP -> "'" + value.toString().replace('T', ' ') + "'";
            case TIMESTAMPTZ -> "'" + ((OffsetDateTime) value).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime()
                    .toString().replace('T', ' ') + "+00'";
            case BINARY -> null;
        };
        // A plain literal: both warehouses cast it to the column's type, and Snowflake takes no expression here.
        return text;
    }

    /** The dates a DATE column holds; others are staged as NULL with their text in _cdc_invalid. */
    default io.livewarehouse.types.TemporalRange dateRange() {
        return io.livewarehouse.types.TemporalRange.UNBOUNDED;
    }

    /** The timestamps a TIMESTAMP or TIMESTAMPTZ (in UTC) column holds. */
    default io.livewarehouse.types.TemporalRange timestampRange() {
        return io.livewarehouse.types.TemporalRange.UNBOUNDED;
    }

    /**
     * Whether DDL runs inside a transaction and rolls back with it (DuckDB), so that a whole mart cycle can be
     * one transaction; Snowflake commits the open transaction at every DDL, so there each model keeps its own.
     */
    default boolean transactionalDdl() {
        return false;
    }

    /** Whether the warehouse writes a table to a local Parquet file ({@code export-parquet}): DuckDB does. */
    default boolean exportsParquet() {
        return false;
    }

    /** A statement from this dialect's {@code .sql} files. */
    String statement(String name);

    /** The readiness probe's question: does the warehouse answer on this connection? A query by default. */
    default void probe(Connection connection) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("select 1")) {
            row.next();
        }
    }

    /** Runs named statements (each may hold several, separated by semicolons), as for creating tables. */
    default void execute(Connection connection, String... names) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement()) {
            for (String name : names) {
                for (String part : statement(name).split(";")) {
                    if (!part.isBlank()) {
                        statement.execute(part);
                    }
                }
            }
        }
    }

    /** A statement with its {@code ${token}}s replaced by identifiers already quoted. */
    String statement(String name, java.util.Map<String, String> identifiers);

    /**
     * Appends rows to a table inside the connection's current transaction, by the warehouse's fast path
     * (DuckDB's Appender; batched binds elsewhere). {@code rows[i][j]} holds the value of {@code columns[j]}.
     */
    void append(Connection connection, String schema, String table, List<StagingColumn> columns, List<Object[]> rows)
            throws SQLException;
}
