package io.livewarehouse.warehouse;

import io.livewarehouse.staging.ColumnType;
import io.livewarehouse.staging.StagingColumn;

import java.sql.Connection;
import java.sql.SQLException;
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

    String stagingSchema();

    String pipelineSchema();

    /** A statement from this dialect's {@code .sql} files. */
    String statement(String name);

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
