package io.livewarehouse.serving;

import io.livewarehouse.marts.MartRunner;
import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The read side of the serving endpoints: the marts a tool may read (every model but the intermediate
 * {@code int_} ones), their rows a page at a time, and named queries of {@code serving/*.sql}. Table and key
 * names come from the model catalog only, never from a request; values are bound.
 */
@ApplicationScoped
public class ServingQueries {

    private static final NamedSql SERVING = NamedSql.load("serving/serving.sql");

    private final Warehouse warehouse;
    private final MartRunner marts;

    public ServingQueries(Warehouse warehouse, MartRunner marts) {
        this.warehouse = warehouse;
        this.marts = marts;
    }

    /** The marts served to tools and exported: dimensions, facts, the date dimension and the one big table. */
    public List<String> servedMarts() {
        return marts.modelNames().stream().filter(name -> !name.startsWith("int_")).toList();
    }

    public boolean isServed(String mart) {
        return servedMarts().contains(mart);
    }

    /** The mart as a quoted, schema-qualified table name. */
    String table(String mart) {
        WarehouseDialect dialect = warehouse.dialect();
        return dialect.qualify("marts." + dialect.quote(mart));
    }

    /**
     * The mart's key columns, quoted, for a stable page order: the names before any remark in the model's
     * {@code -- key:} header ("customer_key (surrogate); natural id customer_id; ..." gives customer_key).
     */
    String keyColumns(String mart) {
        WarehouseDialect dialect = warehouse.dialect();
        String declared = marts.modelKey(mart).split("[(;]", 2)[0];
        return Arrays.stream(declared.split(","))
                .map(String::trim).filter(name -> name.matches("[a-z_][a-z0-9_]*"))
                .map(dialect::quote).collect(Collectors.joining(", "));
    }

    public long count(String mart) throws SQLException {
        return number(SERVING.get("mart-count", Map.of("table", table(mart))));
    }

    public Result page(String mart, int page, int size) throws SQLException {
        String sql = SERVING.get("mart-page", Map.of("table", table(mart), "key", keyColumns(mart)));
        return query(sql, List.of(size, (long) page * size));
    }

    public Result deadLetters() throws SQLException {
        return query(SERVING.get("dead-letters-latest"), List.of());
    }

    /** The latest operations of the capture (the run log), newest first. */
    public Result operations() throws SQLException {
        return query(SERVING.get("operations-latest"), List.of());
    }

    /** The latest snapshots of tables (the sync log), newest first. */
    public Result tableSyncs() throws SQLException {
        return query(SERVING.get("table-syncs-latest"), List.of());
    }

    public long deadLetterCount() throws SQLException {
        return number(SERVING.get("dead-letter-count"));
    }

    /** The one number a query answers (a count). */
    private long number(String sql) throws SQLException {
        return ((Number) query(sql, List.of()).rows().get(0).get(0)).longValue();
    }

    /** Column names (lower case) and rows of values as JSON and CSV can carry them. */
    public record Result(List<String> columns, List<List<Object>> rows) {

        public List<Map<String, Object>> records() {
            List<Map<String, Object>> records = new ArrayList<>();
            for (List<Object> row : rows) {
                Map<String, Object> record = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    record.put(columns.get(i), row.get(i));
                }
                records.add(record);
            }
            return records;
        }
    }

    /**
     * Runs a query with its values bound through the dialect; its logical schema names ({@code marts.},
     * {@code _pipeline.}) are the configured schemas (names quoted already are left as they are).
     */
    public Result query(String sql, List<Object> values) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        try (Connection connection = warehouse.connect();
             PreparedStatement statement = connection.prepareStatement(dialect.qualify(sql))) {
            for (int i = 0; i < values.size(); i++) {
                dialect.bind(statement, i + 1, values.get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                ResultSetMetaData metadata = rows.getMetaData();
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= metadata.getColumnCount(); i++) {
                    columns.add(dialect.fromCatalog(metadata.getColumnLabel(i)).toLowerCase(Locale.ROOT));
                }
                List<List<Object>> result = new ArrayList<>();
                while (rows.next()) {
                    List<Object> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(plain(rows.getObject(i)));
                    }
                    result.add(row);
                }
                return new Result(columns, result);
            }
        }
    }

    /** A value as JSON and CSV carry it: numbers and booleans as they are, times as ISO-8601 text, bytes as hex. */
    static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof Integer || value instanceof Short || value instanceof Double || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof BigInteger big) {
            return new BigDecimal(big);
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof Number number) {
            return new BigDecimal(number.toString());
        }
        if (value instanceof byte[] bytes) {
            return HexFormat.of().formatHex(bytes);
        }
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate().toString();
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return timestamp.toLocalDateTime().toString();
        }
        if (value instanceof OffsetDateTime instant) {
            return instant.toInstant().toString();
        }
        return value.toString();
    }
}
