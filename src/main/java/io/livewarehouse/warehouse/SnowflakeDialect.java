package io.livewarehouse.warehouse;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.support.NamedSql;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snowflake: database {@code DVD_RENTALS} with schemas {@code STAGING}, {@code MARTS} and {@code _PIPELINE}
 * by default (pipeline.warehouse.snowflake.*).
 *
 * <p>Identifiers: Snowflake folds unquoted names to upper case, and the models are written unquoted
 * ({@code marts.fact_payment}, {@code payment_id}). So a name the pipeline quotes from the source schema is
 * written the way Snowflake would have folded it: {@code payment_id} becomes {@code "PAYMENT_ID"}, the same
 * column the models' {@code payment_id} means. A source name that is not plain lower case ({@code "Order"},
 * {@code "two words"}) keeps its spelling, quoted. The catalog ({@code INFORMATION_SCHEMA}) answers in the
 * folded form, which {@link #fromCatalog} turns back.
 *
 * <p>SQL: the statements the pipeline writes itself are those all warehouses share ({@code warehouse/pipeline.sql})
 * with Snowflake's own forms on top ({@code warehouse/snowflake/pipeline.sql}); the
 * models are shared with DuckDB except for {@code marts/snowflake/} (macros, the date dimension). The
 * schema names in that SQL ({@code staging.}, {@code marts.}, {@code _pipeline.}) are the configured
 * schemas ({@link #qualify}). DDL commits any open transaction in Snowflake, so the writer and the mart
 * runner issue their CREATE/ALTER statements before the rows they guard, never between rows and offsets.
 */
public final class SnowflakeDialect implements WarehouseDialect {

    private static final Pattern PLAIN_LOWER = Pattern.compile("[a-z_][a-z0-9_$]*");
    private static final Pattern PLAIN_UPPER = Pattern.compile("[A-Z_][A-Z0-9_$]*");
    /** A logical schema qualifier in shared SQL: {@code staging.}, {@code marts.}, {@code _pipeline.}. */
    private static final Pattern QUALIFIER = Pattern.compile("(?<![\\w.\"$])(staging|marts|_pipeline)\\.(?=[\\w\"])",
            Pattern.CASE_INSENSITIVE);
    /**
     * A timestamp as text Snowflake casts ({@code YYYY-MM-DD HH24:MI:SS.FF6}): how one is bound (the driver binds
     * java.time poorly) and how a batch file writes one.
     */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private final String staging;
    private final String marts;
    private final String pipeline;
    private final NamedSql statements;
    private final SnowflakeAppend appends = new SnowflakeAppend(this);

    public SnowflakeDialect(String stagingSchema, String martsSchema, String pipelineSchema) {
        this.staging = stagingSchema;
        this.marts = martsSchema;
        this.pipeline = pipelineSchema;
        this.statements = NamedSql.layered("warehouse/pipeline.sql", "warehouse/snowflake/pipeline.sql");
    }

    @Override
    public String name() {
        return "snowflake";
    }

    @Override
    public String quote(String identifier) {
        return '"' + catalogName(identifier).replace("\"", "\"\"") + '"';
    }

    @Override
    public String catalogName(String identifier) {
        return PLAIN_LOWER.matcher(identifier).matches() ? identifier.toUpperCase(Locale.ROOT) : identifier;
    }

    @Override
    public String fromCatalog(String name) {
        return PLAIN_UPPER.matcher(name).matches() ? name.toLowerCase(Locale.ROOT) : name;
    }

    @Override
    public String typeOf(ColumnType type) {
        return switch (type.kind()) {
            // NUMBER with the precision each integer width needs, so that the catalog gives the kind back.
            case SMALLINT -> "NUMBER(5,0)";
            case INTEGER -> "NUMBER(10,0)";
            case BIGINT -> "NUMBER(19,0)";
            // Snowflake's only binary floating point type is 64-bit.
            case REAL, DOUBLE -> "FLOAT";
            case BOOLEAN -> "BOOLEAN";
            case DECIMAL -> "NUMBER(" + Math.min(38, type.precision()) + "," + type.scale() + ")";
            case TEXT -> "VARCHAR";
            case BINARY -> "BINARY";
            case DATE -> "DATE";
            case TIME -> "TIME(6)";
            case TIMESTAMP -> "TIMESTAMP_NTZ(6)";
            case TIMESTAMPTZ -> "TIMESTAMP_TZ(6)";
            case JSON -> "VARIANT";
        };
    }

    @Override
    public ColumnType parseType(String warehouseType) {
        String type = warehouseType.trim().toUpperCase(Locale.ROOT);
        Matcher number = Pattern.compile("(?:NUMBER|DECIMAL|NUMERIC)\\((\\d+),\\s*(\\d+)\\)").matcher(type);
        if (number.matches()) {
            int precision = Integer.parseInt(number.group(1));
            int scale = Integer.parseInt(number.group(2));
            if (scale == 0 && precision == 5) {
                return ColumnType.of(ColumnType.Kind.SMALLINT);
            } else if (scale == 0 && precision == 10) {
                return ColumnType.of(ColumnType.Kind.INTEGER);
            } else if (scale == 0 && precision == 19) {
                return ColumnType.of(ColumnType.Kind.BIGINT);
            }
            return ColumnType.decimal(precision, scale);
        }
        String base = type.replaceAll("\\(.*\\)", "");
        return ColumnType.of(switch (base) {
            case "FLOAT", "DOUBLE", "REAL", "FLOAT8", "DOUBLE PRECISION" -> ColumnType.Kind.DOUBLE;
            case "BOOLEAN" -> ColumnType.Kind.BOOLEAN;
            case "BINARY", "VARBINARY" -> ColumnType.Kind.BINARY;
            case "DATE" -> ColumnType.Kind.DATE;
            case "TIME" -> ColumnType.Kind.TIME;
            case "TIMESTAMP_NTZ", "DATETIME", "TIMESTAMP" -> ColumnType.Kind.TIMESTAMP;
            case "TIMESTAMP_TZ", "TIMESTAMP_LTZ" -> ColumnType.Kind.TIMESTAMPTZ;
            case "VARIANT", "ARRAY", "OBJECT" -> ColumnType.Kind.JSON;
            case "NUMBER", "INT", "INTEGER", "BIGINT" -> ColumnType.Kind.BIGINT;
            default -> ColumnType.Kind.TEXT;
        });
    }

    @Override
    public String fromText(ColumnType type, String expression) {
        return switch (type.kind()) {
            case TEXT -> expression;
            case BINARY -> "to_binary(" + expression + ", 'HEX')";
            case JSON -> "parse_json(" + expression + ")";
            default -> "cast(" + expression + " as " + typeOf(type) + ")";
        };
    }

    /** Snowflake's documented years for DATE and TIMESTAMP: 1 to 9999 (it takes some others, unreliably). */
    private static final io.livewarehouse.types.TemporalRange YEARS_1_TO_9999 = new io.livewarehouse.types.TemporalRange(
            LocalDateTime.of(1, 1, 1, 0, 0), LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000));

    @Override
    public io.livewarehouse.types.TemporalRange dateRange() {
        return YEARS_1_TO_9999;
    }

    @Override
    public io.livewarehouse.types.TemporalRange timestampRange() {
        return YEARS_1_TO_9999;
    }

    /** Snapshot files go to a stage by PUT and load by COPY INTO (see warehouse/snowflake/pipeline.sql). */
    /**
     * The driver's session heartbeat, not a query: the login and the session are checked by Snowflake's cloud
     * services, and no virtual warehouse is resumed or kept awake by an orchestrator probing every few seconds.
     */
    @Override
    public void probe(Connection connection) throws SQLException {
        if (!connection.isValid(5)) {
            throw new SQLException("Snowflake did not answer the session heartbeat within 5 s");
        }
    }

    @Override
    public boolean loadsSnapshotFiles() {
        return true;
    }

    @Override
    public boolean uploadsSnapshotFiles() {
        return true;
    }

    @Override
    public String saltedHash(String expression) {
        return "sha2(cast(? as varchar) || " + expression + ", 256)";
    }

    @Override
    public String stagingSchema() {
        return staging;
    }

    @Override
    public String martsSchema() {
        return marts;
    }

    @Override
    public String pipelineSchema() {
        return pipeline;
    }

    @Override
    public String qualify(String sql) {
        Matcher qualifier = QUALIFIER.matcher(sql);
        StringBuilder qualified = new StringBuilder();
        int literalEnd = 0;
        boolean inLiteral = false;
        while (qualifier.find()) {
            // Leave string literals alone: count the quotes before the match.
            for (int i = literalEnd; i < qualifier.start(); i++) {
                if (sql.charAt(i) == '\'') {
                    inLiteral = !inLiteral;
                }
            }
            literalEnd = qualifier.start();
            String replacement = inLiteral ? qualifier.group() : switch (qualifier.group(1).toLowerCase(Locale.ROOT)) {
                case "staging" -> quote(staging) + ".";
                case "marts" -> quote(marts) + ".";
                default -> quote(pipeline) + ".";
            };
            qualifier.appendReplacement(qualified, Matcher.quoteReplacement(replacement));
        }
        qualifier.appendTail(qualified);
        return qualified.toString();
    }

    @Override
    public String statement(String name) {
        return statement(name, Map.of());
    }

    @Override
    public String statement(String name, Map<String, String> identifiers) {
        String statement = statements.get(name)
                .replace("${staging_schema}", quote(staging))
                .replace("${marts_schema}", quote(marts))
                .replace("${pipeline_schema}", quote(pipeline));
        for (Map.Entry<String, String> token : identifiers.entrySet()) {
            statement = statement.replace("${" + token.getKey() + "}", token.getValue());
        }
        if (statement.contains("${")) {
            throw new IllegalArgumentException("unreplaced token in statement " + name + " of the Snowflake SQL");
        }
        return qualify(statement);
    }

    /** See {@link SnowflakeAppend#stageBindingThreshold}; SnowflakeWarehouse sets it at the first login. */
    public void stageBindingThreshold(int threshold) {
        appends.stageBindingThreshold(threshold);
    }

    /** See {@link SnowflakeAppend#copyBatchRows}: from how many rows a table's batch loads by PUT and COPY INTO. */
    public void copyBatchRows(int rows) {
        appends.copyBatchRows(rows);
    }

    int rowsPerArrayBinding(int columns) {
        return appends.rowsPerArrayBinding(columns);
    }

    /** See {@link SnowflakeAppend}: array-bound INSERTs kept below the driver's stage threshold. */
    @Override
    public void append(Connection connection, String schema, String table, List<StagingColumn> columns, List<Object[]> rows)
            throws SQLException {
        appends.append(connection, schema, table, columns, rows);
    }

    @Override
    public OffsetDateTime instant(ResultSet row, int column) throws SQLException {
        java.sql.Timestamp value = row.getTimestamp(column);
        return value == null ? null : value.toInstant().atOffset(ZoneOffset.UTC);
    }

    /**
     * Binds a staged value (one Java type per {@link ColumnType.Kind}) the way the Snowflake driver takes it:
     * its setObject knows no java.time types. Dates, times and local timestamps go as text, which Snowflake
     * casts to the column's type; an instant as a TIMESTAMP_LTZ, which the session's UTC time zone writes
     * unchanged into a TIMESTAMP_TZ column.
     */
    @Override
    public void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        // Java 17: no pattern matching in switch yet.
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else if (value instanceof Short v) {
            statement.setShort(index, v);
        } else if (value instanceof Integer v) {
            statement.setInt(index, v);
        } else if (value instanceof Long v) {
            statement.setLong(index, v);
        } else if (value instanceof Float v) {
            statement.setFloat(index, v);
        } else if (value instanceof Double v) {
            statement.setDouble(index, v);
        } else if (value instanceof Boolean v) {
            statement.setBoolean(index, v);
        } else if (value instanceof BigDecimal v) {
            statement.setBigDecimal(index, v);
        } else if (value instanceof String v) {
            statement.setString(index, v);
        } else if (value instanceof byte[] v) {
            statement.setBytes(index, v);
        } else if (value instanceof LocalDate v) {
            statement.setString(index, v.toString());
        } else if (value instanceof LocalTime v) {
            statement.setString(index, v.toString());
        } else if (value instanceof LocalDateTime v) {
            statement.setString(index, TIMESTAMP.format(v));
        } else if (value instanceof OffsetDateTime v) {
            statement.setTimestamp(index, java.sql.Timestamp.from(v.toInstant()),
                    java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone(ZoneOffset.UTC)));
        } else {
            throw new SQLException("no Snowflake binding for " + value.getClass().getName());
        }
    }
}
