package io.livewarehouse.support;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.warehouse.Warehouse;
import org.awaitility.Awaitility;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares a source table with the latest staging row per key, column by column, each side rendered to the
 * same canonical text by its own database (so the comparison is of values, not of Java types).
 */
public final class StagingComparison {

    /** A column of a source table, with how each side renders it. */
    private record Column(String name, String sourceExpression, String stagingExpression) {
    }

    private StagingComparison() {
    }

    /** Waits until every captured table's current state in staging equals the source, column by column. */
    public static void awaitStagingEqualsSource(SourceConnections source, Warehouse warehouse) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            try (Connection connection = source.open(); Connection staging = warehouse.connect()) {
                assertStagingEqualsSource(connection, staging);
            }
        });
    }

    /** Waits until the first snapshot has reached the last captured table (store: two rows). */
    public static void awaitSnapshotReachedLastTable(Warehouse warehouse) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return (Long) SourceDatabases.single(staging, "select count(*) from staging.store") >= 2L;
            }
        });
    }

    public static void assertStagingEqualsSource(Connection source, Connection staging) throws SQLException {
        for (String table : SourceDatabases.TABLES) {
            List<String> columns = new ArrayList<>(sourceColumns(source, table));
            // Excluded from capture by default (pipeline.source.column-exclude-list).
            columns.remove("password");
            Map<String, Map<String, String>> expected = sourceRows(source, table, columns);
            Map<String, Map<String, String>> actual;
            try {
                actual = stagingRows(source, staging, table, columns);
            } catch (SQLException notYetThere) {
                throw new AssertionError("staging." + table + " not readable yet: " + notYetThere.getMessage());
            }
            assertThat(actual).as("staging.%s", table).hasSameSizeAs(expected);
            assertThat(actual).as("staging.%s", table).isEqualTo(expected);
        }
    }

    /**
     * No change is stored twice: one row per key, LSN and operation (not per order in the transaction, which a
     * faulty replay could number anew); one snapshot row per key and snapshot (every snapshot of a table,
     * a new generation after a lost slot or a resync, is taken at one position).
     */
    public static void assertNoDuplicates(Connection source, Connection staging) throws SQLException {
        for (String table : SourceDatabases.TABLES) {
            String key = primaryKey(source, table).stream().map(StagingComparison::quote).collect(Collectors.joining(", "));
            assertThat(SourceDatabases.single(staging, "select count(*) from (select 1 from staging." + quote(table)
                    + " where _cdc_op <> 'r' group by " + key + ", _cdc_lsn, _cdc_op having count(*) > 1)"))
                    .as("changes stored twice in staging.%s", table).isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from (select 1 from staging." + quote(table)
                    + " where _cdc_op = 'r' group by " + key + ", _cdc_lsn having count(*) > 1)"))
                    .as("snapshot rows stored twice in staging.%s", table).isEqualTo(0L);
        }
    }

    public static List<String> primaryKey(Connection source, String table) throws SQLException {
        List<String> key = new ArrayList<>();
        for (List<Object> row : SourceDatabases.rows(source, """
                select a.attname from pg_index i
                join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indrelid = 'public.%s'::regclass and i.indisprimary
                order by array_position(i.indkey, a.attnum)""".formatted(table))) {
            key.add((String) row.get(0));
        }
        return key;
    }

    /** Source rows of a table: primary key text to the canonical text of every compared column. */
    public static Map<String, Map<String, String>> sourceRows(Connection source, String table, List<String> columns)
            throws SQLException {
        List<Column> described = describe(source, table, columns);
        List<String> key = primaryKey(source, table);
        String select = described.stream().map(column -> column.sourceExpression() + " as " + quote(column.name()))
                .collect(Collectors.joining(", "));
        String keyExpression = key.stream().map(k -> quote(k) + "::text").collect(Collectors.joining(" || '/' || "));
        return read(source, "select " + keyExpression + ", " + select + " from public." + quote(table), described);
    }

    /**
     * The current state of every key in staging: per column the value of the latest change that carried it
     * (a column marked unavailable keeps its last known value), keys whose latest change is a delete left out.
     */
    public static Map<String, Map<String, String>> stagingRows(Connection source, Warehouse warehouse, String table,
                                                               List<String> columns) throws SQLException {
        try (Connection staging = warehouse.connect()) {
            return stagingRows(source, staging, table, columns);
        }
    }

    public static Map<String, Map<String, String>> stagingRows(Connection source, Connection staging, String table,
                                                               List<String> columns) throws SQLException {
        List<Column> described = describe(source, table, columns);
        List<String> key = primaryKey(source, table);
        // Source order as the current-state MERGE takes it: staging batch, snapshot rows first, LSN, order.
        String order = "struct_pack(loaded := _cdc_loaded_at, streamed := _cdc_op <> 'r', lsn := _cdc_lsn, seq := _cdc_seq)";
        String select = described.stream().map(column -> "arg_max_null(" + column.stagingExpression() + ", " + order
                        + ") filter (where _cdc_unavailable is null or not json_contains(_cdc_unavailable, '"
                        + "\"" + column.name() + "\"')) as " + quote(column.name()))
                .collect(Collectors.joining(", "));
        String group = key.stream().map(StagingComparison::quote).collect(Collectors.joining(", "));
        String keyExpression = key.stream().map(k -> quote(k) + "::varchar").collect(Collectors.joining(" || '/' || "));
        String sql = "select " + keyExpression + ", " + select + " from staging." + quote(table)
                + " group by " + group + " having not arg_max_null(_cdc_deleted, " + order + ")";
        return read(staging, sql, described);
    }

    /** Rows of a current-state table ({@code marts.cur_<table>}), rendered as {@link #sourceRows} renders the source. */
    public static Map<String, Map<String, String>> currentStateRows(Connection source, Connection warehouse, String table,
                                                                    List<String> columns) throws SQLException {
        List<Column> described = describe(source, table, columns);
        List<String> key = primaryKey(source, table);
        String select = described.stream().map(column -> column.stagingExpression() + " as " + quote(column.name()))
                .collect(Collectors.joining(", "));
        String keyExpression = key.stream().map(k -> quote(k) + "::varchar").collect(Collectors.joining(" || '/' || "));
        return read(warehouse, "select " + keyExpression + ", " + select + " from marts." + quote("cur_" + table), described);
    }

    /** The source's columns of a table, in order. */
    public static List<String> sourceColumns(Connection source, String table) throws SQLException {
        return SourceDatabases.rows(source, """
                select column_name from information_schema.columns
                where table_schema = 'public' and table_name = '%s' order by ordinal_position""".formatted(table))
                .stream().map(row -> (String) row.get(0)).toList();
    }

    private static List<Column> describe(Connection source, String table, List<String> columns) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        for (List<Object> row : SourceDatabases.rows(source, """
                select column_name, data_type from information_schema.columns
                where table_schema = 'public' and table_name = '%s'""".formatted(table))) {
            types.put((String) row.get(0), (String) row.get(1));
        }
        List<Column> described = new ArrayList<>();
        for (String name : columns) {
            String q = quote(name);
            String type = types.get(name);
            described.add(switch (type) {
                case "timestamp without time zone" -> new Column(name,
                        "to_char(" + q + ", 'YYYY-MM-DD HH24:MI:SS.US')", "strftime(" + q + ", '%Y-%m-%d %H:%M:%S.%f')");
                case "timestamp with time zone" -> new Column(name,
                        "to_char(" + q + " at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
                        "strftime(" + q + " at time zone 'UTC', '%Y-%m-%d %H:%M:%S.%f')");
                case "boolean" -> new Column(name, "case when " + q + " then 'true' else 'false' end", q + "::varchar");
                case "bytea" -> new Column(name, "encode(" + q + ", 'hex')", "lower(hex(" + q + "))");
                case "ARRAY" -> new Column(name, "array_to_json(" + q + ")::text", q + "::varchar");
                // char(n) as PostgreSQL outputs it, padded (a cast to text would trim it).
                case "character" -> new Column(name, q, q + "::varchar");
                default -> new Column(name, q + "::text", q + "::varchar");
            });
        }
        return described;
    }

    private static Map<String, Map<String, String>> read(Connection connection, String sql, List<Column> columns)
            throws SQLException {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i).name(), result.getString(i + 2));
                }
                rows.put(result.getString(1), row);
            }
        }
        return rows;
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
