package io.livewarehouse.warehouse;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.support.NamedSql;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;

/** DuckDB: schemas {@code staging}, {@code marts} and {@code _pipeline}; bulk loads through the Appender. */
public final class DuckDbDialect implements WarehouseDialect {

    private final NamedSql statements = NamedSql.layered("warehouse/pipeline.sql", "warehouse/duckdb/pipeline.sql");

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    public String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public String typeOf(ColumnType type) {
        return switch (type.kind()) {
            case SMALLINT -> "SMALLINT";
            case INTEGER -> "INTEGER";
            case BIGINT -> "BIGINT";
            case REAL -> "REAL";
            case DOUBLE -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            // DuckDB decimals hold at most 38 digits, as Snowflake's NUMBER does.
            case DECIMAL -> "DECIMAL(" + Math.min(38, type.precision()) + "," + type.scale() + ")";
            case TEXT -> "VARCHAR";
            case BINARY -> "BLOB";
            case DATE -> "DATE";
            case TIME -> "TIME";
            case TIMESTAMP -> "TIMESTAMP";
            case TIMESTAMPTZ -> "TIMESTAMPTZ";
            case JSON -> "JSON";
        };
    }

    @Override
    public ColumnType parseType(String warehouseType) {
        String type = warehouseType.trim().toUpperCase(java.util.Locale.ROOT);
        if (type.startsWith("DECIMAL(")) {
            String[] digits = type.substring("DECIMAL(".length(), type.length() - 1).split(",");
            return ColumnType.decimal(Integer.parseInt(digits[0].trim()), Integer.parseInt(digits[1].trim()));
        }
        return ColumnType.of(switch (type) {
            case "SMALLINT", "TINYINT" -> ColumnType.Kind.SMALLINT;
            case "INTEGER" -> ColumnType.Kind.INTEGER;
            case "BIGINT" -> ColumnType.Kind.BIGINT;
            case "FLOAT", "REAL" -> ColumnType.Kind.REAL;
            case "DOUBLE" -> ColumnType.Kind.DOUBLE;
            case "BOOLEAN" -> ColumnType.Kind.BOOLEAN;
            case "BLOB" -> ColumnType.Kind.BINARY;
            case "DATE" -> ColumnType.Kind.DATE;
            case "TIME" -> ColumnType.Kind.TIME;
            case "TIMESTAMP" -> ColumnType.Kind.TIMESTAMP;
            case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ" -> ColumnType.Kind.TIMESTAMPTZ;
            case "JSON" -> ColumnType.Kind.JSON;
            default -> ColumnType.Kind.TEXT;
        });
    }

    /**
     * DuckDB's TIMESTAMP ends in 294247 AD, PostgreSQL's a few decades later; dates and BC values it holds
     * as far as PostgreSQL goes.
     */
    @Override
    public io.livewarehouse.types.TemporalRange timestampRange() {
        return new io.livewarehouse.types.TemporalRange(null, LocalDateTime.of(294246, 12, 31, 23, 59, 59, 999_999_000));
    }

    @Override
    public boolean loadsSnapshotFiles() {
        return true;
    }

    @Override
    public String stagingSchema() {
        return "staging";
    }

    @Override
    public String pipelineSchema() {
        return "_pipeline";
    }

    @Override
    public boolean exportsParquet() {
        return true;
    }

    @Override
    public boolean transactionalDdl() {
        return true;
    }

    @Override
    public String statement(String name) {
        return statements.get(name);
    }

    @Override
    public String statement(String name, java.util.Map<String, String> identifiers) {
        return statements.get(name, identifiers);
    }

    @Override
    public String fromText(ColumnType type, String expression) {
        return switch (type.kind()) {
            case TEXT -> expression;
            case BINARY -> "unhex(" + expression + ")";
            // PostgreSQL writes BC dates as "0044-03-15 BC" and "0044-03-15 10:00:00+00 BC"; DuckDB reads them
            // as "0044-03-15 (BC)" and "0044-03-15 (BC) 10:00:00+00".
            case DATE -> "cast(case when ends_with(" + expression + ", ' BC') then replace(" + expression
                    + ", ' BC', ' (BC)') else " + expression + " end as DATE)";
            case TIMESTAMP, TIMESTAMPTZ -> "cast(case when ends_with(" + expression + ", ' BC') then regexp_replace("
                    + expression + ", '^(\\S+) (.*) BC$', '\\1 (BC) \\2') else " + expression + " end as "
                    + typeOf(type) + ")";
            default -> "cast(" + expression + " as " + typeOf(type) + ")";
        };
    }

    @Override
    public String saltedHash(String expression) {
        return "sha256(cast(? as varchar) || " + expression + ")";
    }

    @Override
    public void append(Connection connection, String schema, String table, List<StagingColumn> columns, List<Object[]> rows)
            throws SQLException {
        DuckDBConnection duck = connection.unwrap(DuckDBConnection.class);
        String counting = "select count(*) from " + quote(schema) + "." + quote(table);
        long before = count(connection, counting);
        try (DuckDBAppender appender = duck.createAppender(schema, table)) {
            for (Object[] row : rows) {
                appender.beginRow();
                for (int i = 0; i < columns.size(); i++) {
                    appendValue(appender, row[i]);
                }
                appender.endRow();
            }
        }
        // With its disk full, DuckDB's Appender was seen to report success and keep no rows. Counting inside
        // the transaction turns that into an error, so the batch and its offsets are not committed.
        long appended = count(connection, counting) - before;
        if (appended != rows.size()) {
            throw new SQLException("the DuckDB appender kept " + appended + " of " + rows.size() + " rows for "
                    + schema + "." + table + " (is the disk full?)");
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement(); java.sql.ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static void appendValue(DuckDBAppender appender, Object value) throws SQLException {
        // Java 17: no pattern matching in switch yet.
        if (value == null) {
            appender.appendNull();
        } else if (value instanceof Short v) {
            appender.append(v.shortValue());
        } else if (value instanceof Integer v) {
            appender.append(v.intValue());
        } else if (value instanceof Long v) {
            appender.append(v.longValue());
        } else if (value instanceof Float v) {
            appender.append(v.floatValue());
        } else if (value instanceof Double v) {
            appender.append(v.doubleValue());
        } else if (value instanceof Boolean v) {
            appender.append(v.booleanValue());
        } else if (value instanceof BigDecimal v) {
            appender.append(v);
        } else if (value instanceof String v) {
            appender.append(v);
        } else if (value instanceof byte[] v) {
            appender.append(v);
        } else if (value instanceof LocalDate v) {
            appender.append(v);
        } else if (value instanceof LocalTime v) {
            appender.append(v);
        } else if (value instanceof LocalDateTime v) {
            appender.append(v);
        } else if (value instanceof OffsetDateTime v) {
            appender.append(v);
        } else {
            throw new SQLException("no DuckDB mapping for " + value.getClass().getName());
        }
    }
}
