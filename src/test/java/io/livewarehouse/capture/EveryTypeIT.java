package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table with a column of every PostgreSQL type, holding ordinary values, the extremes PostgreSQL allows
 * (numeric NaN, ±infinity, BC dates, years past 9999, time 24:00:00, control characters, values of several MB)
 * and NULLs, captured by the packaged pipeline on its default settings: the snapshot and streamed inserts and
 * updates of the same values land in staging equal to the source column by column, each value either as the
 * source prints it (or in an exact native type) or, where staging cannot hold it, NULL with its text in
 * {@code _cdc_invalid}; the stream never stops, and a later change still arrives.
 */
class EveryTypeIT {

    /**
     * One source column: its type, the SQL literals of rows 1 (ordinary values) and 2 (extremes), how the test
     * renders the expected value from the source (PostgreSQL, {@code $} is the column, the session in UTC) and
     * the staged value (DuckDB), and when a source value is one staging cannot hold (null: never).
     */
    private record Column(String name, String type, String ordinary, String extreme, String expected, String staged,
                          String invalidWhen) {
    }

    private static final String TEXT = "$::text";
    private static final String AS_IS = "$::varchar";
    /** As the output function prints it (a cast to text trims char(n) and adds inet's netmask). */
    private static final String PRINTED = "case when $ is not null then format('%s', $) end";
    private static final String EPOCH_MICROS_PG = "(extract(epoch from $) * 1000000)::bigint::text";
    private static final String EPOCH_MICROS_DUCKDB = "epoch_us($)::varchar";
    private static final String FLOAT_PG = "case when $::float8 = 'NaN' then 'nan' when $::float8 = 'Infinity' then 'inf' "
            + "when $::float8 = '-Infinity' then '-inf' else $::float8::text end";
    private static final String FLOAT_DUCKDB = "case when isnan($) then 'nan' when isinf($) and $ > 0 then 'inf' "
            + "when isinf($) then '-inf' else $::double::varchar end";
    private static final String BIG = "repeat('Ωx' || chr(1) || E'\\t', 1300000)";

    private static final List<Column> COLUMNS = List.of(
            new Column("c_smallint", "smallint", "32767", "-32768", TEXT, AS_IS, null),
            new Column("c_integer", "integer", "2147483647", "-2147483648", TEXT, AS_IS, null),
            new Column("c_bigint", "bigint", "9223372036854775807", "-9223372036854775808", TEXT, AS_IS, null),
            new Column("c_numeric", "numeric", "12345678901234567890.123456789", "'NaN'", TEXT, AS_IS, null),
            new Column("c_numeric_infinite", "numeric", "0.000", "'-Infinity'", TEXT, AS_IS, null),
            new Column("c_numeric_ps", "numeric(7,2)", "12345.67", "'NaN'", TEXT, AS_IS, "$::text = 'NaN'"),
            new Column("c_numeric_not_null", "numeric(5,2) not null default 0", "-999.99", "'NaN'", TEXT, AS_IS, "$::text = 'NaN'"),
            new Column("c_numeric_wide", "numeric(50,10)", "1234567890123456789012345678901234567890.0123456789",
                    "-0.0000000001", TEXT, AS_IS, null),
            new Column("c_real", "real", "3.14159", "'NaN'", FLOAT_PG, FLOAT_DUCKDB, null),
            new Column("c_double", "double precision", "1e300", "'-Infinity'", FLOAT_PG, FLOAT_DUCKDB, null),
            new Column("c_money", "money", "1234567.89", "-0.01", "$::numeric::text", AS_IS, null),
            new Column("c_char", "char(5)", "'ab'", "''", PRINTED, AS_IS, null),
            new Column("c_varchar", "varchar(20)", "'héllo'", "E'\\x01\\x1f ctrl \\x7f'", TEXT, AS_IS, null),
            new Column("c_text", "text", "E'tab\\there\\nnew line \"quoted\" \\\\ back'", BIG, "md5($)", "md5($)", null),
            new Column("c_bytea", "bytea", "'\\xdeadbeef'", "decode(repeat('00ff', 1500000), 'hex')",
                    "md5(encode($, 'hex'))", "md5(lower(hex($)))", null),
            new Column("c_boolean", "boolean", "true", "false", TEXT, AS_IS, null),
            new Column("c_bit", "bit(3)", "B'101'", "B'000'", TEXT, AS_IS, null),
            new Column("c_bit_one", "bit(1)", "B'1'", "B'0'", TEXT, AS_IS, null),
            new Column("c_varbit", "bit varying(10)", "B'1'", "B'1010101010'", TEXT, AS_IS, null),
            new Column("c_date", "date", "'2005-05-24'", "'infinity'", "($ - date '1970-01-01')::text",
                    "date_diff('day', DATE '1970-01-01', $)::varchar", "not isfinite($)"),
            new Column("c_date_far", "date", "'0044-03-15 BC'", "'10000-01-01'", "($ - date '1970-01-01')::text",
                    "date_diff('day', DATE '1970-01-01', $)::varchar", "not isfinite($)"),
            new Column("c_timestamp", "timestamp(3)", "'2005-05-24 22:53:30.123'", "'-infinity'", EPOCH_MICROS_PG,
                    EPOCH_MICROS_DUCKDB, "not isfinite($)"),
            new Column("c_timestamp_far", "timestamp", "'0044-03-15 10:00:00.000001 BC'", "'12345-06-07 08:09:10.5'",
                    EPOCH_MICROS_PG, EPOCH_MICROS_DUCKDB, "not isfinite($)"),
            new Column("c_timestamptz", "timestamptz", "'2005-05-24 22:53:30.25+02'", "'infinity'", EPOCH_MICROS_PG,
                    EPOCH_MICROS_DUCKDB, "not isfinite($)"),
            new Column("c_timestamptz_far", "timestamptz", "'0044-03-15 10:00:00+00 BC'", "'11000-01-01 00:00:00+05:30'",
                    EPOCH_MICROS_PG, EPOCH_MICROS_DUCKDB, "not isfinite($)"),
            new Column("c_time", "time", "'04:05:06.789'", "'24:00:00'", TEXT, AS_IS, "$ = '24:00:00'"),
            new Column("c_timetz", "timetz", "'12:34:56.5+02:30'", "'00:00:00+14'", "($ at time zone 'UTC')::text", AS_IS, null),
            new Column("c_interval", "interval", "'1 year 2 mons 3 days 04:05:06.789'", "'-1 days +02:03:04'", TEXT, AS_IS, null),
            new Column("c_uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'",
                    TEXT, AS_IS, null),
            new Column("c_json", "json", "'{\"b\": 1, \"a\": [1, 2.50, null]}'", "'{\"a\":\"\\ud800\"}'", TEXT, AS_IS,
                    "strpos($::text, '\\ud800') > 0"),
            new Column("c_jsonb", "jsonb", "'{\"b\": 1, \"a\": [1, 2.50, null], \"u\": \"\\u00e9\"}'", "'[]'", TEXT, AS_IS, null),
            new Column("c_xml", "xml", "'<a b=\"1\">x</a>'", "'<!-- c -->'", TEXT, AS_IS, null),
            new Column("c_inet", "inet", "'192.168.0.1/24'", "'::1'", PRINTED, AS_IS, null),
            new Column("c_cidr", "cidr", "'10.0.0.0/8'", "'2001:db8::/32'", TEXT, AS_IS, null),
            new Column("c_macaddr", "macaddr", "'08:00:2b:01:02:03'", "'ff:ff:ff:ff:ff:ff'", TEXT, AS_IS, null),
            new Column("c_macaddr8", "macaddr8", "'08:00:2b:01:02:03:04:05'", "'00:00:00:00:00:00:00:00'", TEXT, AS_IS, null),
            new Column("c_point", "point", "'(1.5,-2.25)'", "'(NaN,Infinity)'", TEXT, AS_IS, null),
            new Column("c_line", "line", "'{1,-1,0.5}'", "'{0.1,2,3e-10}'", TEXT, AS_IS, null),
            new Column("c_lseg", "lseg", "'[(0,0),(1,1.5)]'", "'[(1e-300,0),(1,1)]'", TEXT, AS_IS, null),
            new Column("c_box", "box", "'(1,1),(0,0)'", "'(0,0),(3.3,2.2)'", TEXT, AS_IS, null),
            new Column("c_path", "path", "'[(0,0),(1,1e20)]'", "'((0,0),(1,1),(2,0))'", TEXT, AS_IS, null),
            new Column("c_polygon", "polygon", "'((0,0),(1,1),(1,0))'", "'((0.1,0.2),(0.3,0.4))'", TEXT, AS_IS, null),
            new Column("c_circle", "circle", "'<(1,2),3.5>'", "'<(0,0),1e-9>'", TEXT, AS_IS, null),
            new Column("c_int4range", "int4range", "'[1,10)'", "'empty'", TEXT, AS_IS, null),
            new Column("c_int8range", "int8range", "'(,100]'", "'[-9223372036854775808,9223372036854775807)'", TEXT, AS_IS, null),
            new Column("c_numrange", "numrange", "'[1.5,2.5]'", "'(,)'", TEXT, AS_IS, null),
            new Column("c_daterange", "daterange", "'[2020-01-01,2021-01-01)'", "'[2020-01-01,infinity)'", TEXT, AS_IS, null),
            new Column("c_tsrange", "tsrange", "'[2020-01-01 10:00,2020-01-01 11:00)'", "'[\"0044-03-15 10:00 BC\",)'", TEXT, AS_IS, null),
            new Column("c_tstzrange", "tstzrange", "'[2020-01-01 10:00+02,2020-01-01 11:00+02)'", "'(,infinity)'", TEXT, AS_IS, null),
            new Column("c_multirange", "int4multirange", "'{[1,3),[5,7)}'", "'{}'", TEXT, AS_IS, null),
            new Column("c_int_array", "integer[]", "'{1,NULL,3}'", "'{{1,2},{3,4}}'", "to_json($)::text", AS_IS, null),
            new Column("c_text_array", "text[]", "'{\"a b\",\"c\\\"d\",NULL,\"NULL\",\"\"}'", "'{}'", "to_json($)::text", AS_IS, null),
            new Column("c_numeric_array", "numeric[]", "'{1.50,NaN,NULL}'", "'{Infinity,-0.0}'", "to_json($)::text", AS_IS, null),
            new Column("c_timestamptz_array", "timestamptz[]", "'{\"2020-01-01 10:00+02\",infinity}'", "'{NULL}'",
                    "to_json($::text[])::text", AS_IS, null),
            new Column("c_interval_array", "interval[]", "'{\"1 day\",-00:00:01}'", "'[0:0]={\"2 mons\"}'",
                    "to_json($::text[])::text", AS_IS, null),
            new Column("c_enum", "mood", "'happy'", "'so-so'", TEXT, AS_IS, null),
            new Column("c_domain", "positive_amount", "12.50", "'NaN'", TEXT, AS_IS, "$::text = 'NaN'"),
            new Column("c_tsvector", "tsvector", "'a fat cat sat'", "''", TEXT, AS_IS, null),
            new Column("c_tsquery", "tsquery", "'fat & (rat | cat)'", "'!x'", TEXT, AS_IS, null),
            new Column("c_pg_lsn", "pg_lsn", "'16/B374D848'", "'0/0'", TEXT, AS_IS, null),
            new Column("c_citext", "citext", "'MiXeD Case'", "''", TEXT, AS_IS, null),
            new Column("c_hstore", "hstore", "'a=>1, b=>NULL, \"c d\"=>\"e\\\"f\"'", "''", TEXT, AS_IS, null),
            new Column("c_ltree", "ltree", "'Top.Science.Astronomy'", "''", TEXT, AS_IS, null));

    private static Path work;
    private static EmbeddedSource postgres;
    private static PipelineProcess pipeline;
    private static Path warehouseFile;

    @BeforeAll
    static void startSourceAndPipeline() throws Exception {
        work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "every-type").toAbsolutePath();
        postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        try (Connection admin = postgres.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("create database wild");
        }
        try (Connection connection = postgres.connect("wild"); Statement statement = connection.createStatement()) {
            statement.execute("create extension citext");
            statement.execute("create extension hstore");
            statement.execute("create extension ltree");
            statement.execute("create type mood as enum ('sad', 'so-so', 'happy')");
            statement.execute("create domain positive_amount as numeric(8,2) check (value > 0)");
            statement.execute("create table every_type (id integer primary key, "
                    + COLUMNS.stream().map(column -> column.name() + " " + column.type()).collect(Collectors.joining(", "))
                    + ", c_generated numeric generated always as (c_numeric_ps * 2) stored)");
            insert(statement, 1, 2, 3);
        }
        warehouseFile = work.resolve("warehouse.duckdb");
        pipeline = PipelineProcess.against(work, postgres, "wild", "PIPELINE_SOURCE_TABLES", "public.every_type");
        pipeline.start();
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> "streaming".equals(pipeline.readinessText("phase")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (pipeline != null && pipeline.isAlive()) {
            pipeline.kill();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /** Rows {@code ids[0]} (ordinary values), {@code ids[1]} (extremes) and {@code ids[2]} (NULLs). */
    private static void insert(Statement statement, int... ids) throws SQLException {
        String names = COLUMNS.stream().map(Column::name).collect(Collectors.joining(", "));
        statement.execute("insert into every_type (id, " + names + ") values ("
                + ids[0] + ", " + COLUMNS.stream().map(Column::ordinary).collect(Collectors.joining(", ")) + "), ("
                + ids[1] + ", " + COLUMNS.stream().map(Column::extreme).collect(Collectors.joining(", ")) + ")");
        statement.execute("insert into every_type (id, c_numeric_not_null) values (" + ids[2] + ", 0)");
    }

    @Test
    void everyValueOfEveryTypeArrivesBySnapshotAndStreamAndNothingStopsTheStream() throws Exception {
        List<List<Object>> snapshotTypes;
        try (Connection staging = stopAndOpenStaging()) {
            assertStagingEqualsSource(staging, "after the snapshot");
            snapshotTypes = columnTypes(staging);
            // PostgreSQL 17's pgoutput does not send stored generated columns: they are not staged at all, rather
            // than copied with a value the stream would then overwrite with NULL.
            assertThat(snapshotTypes).extracting(row -> row.get(0)).doesNotContain("c_generated").contains("c_numeric_ps");
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.every_type where _cdc_op = 'r'"))
                    .isEqualTo(3L);
            assertThat((String) SourceDatabases.single(staging, "select _cdc_invalid::varchar from staging.every_type "
                    + "where id = 2 and _cdc_op = 'r'"))
                    .contains("\"c_numeric_ps\":\"NaN\"", "\"c_date\":\"infinity\"", "\"c_timestamp\":\"-infinity\"",
                            "\"c_time\":\"24:00:00\"", "\"c_json\":\"{\\\"a\\\":\\\"\\\\ud800\\\"}\"");
        }

        // The same values again, streamed: inserts, then updates that write every column of the ordinary row with
        // the extremes and the other way round, then a change of one column beside the several-MB values.
        pipeline.start();
        long last;
        try (Connection connection = source(); Statement statement = connection.createStatement()) {
            insert(statement, 4, 5, 6);
            statement.execute("update every_type set " + COLUMNS.stream().map(column -> column.name() + " = " + column.extreme())
                    .collect(Collectors.joining(", ")) + " where id = 1");
            statement.execute("update every_type set " + COLUMNS.stream().map(column -> column.name() + " = " + column.ordinary())
                    .collect(Collectors.joining(", ")) + " where id = 2");
            statement.execute("update every_type set c_smallint = 7 where id = 5");
            last = SourceDatabases.inTransaction(connection, "update every_type set c_integer = 1 where id = 3");
        }
        pipeline.awaitStaged(last);
        assertThat(pipeline.get("/q/metrics").body())
                .contains("pipeline_invalid_values_total{column=\"c_numeric_ps\",table=\"every_type\"}");
        assertThat(pipeline.get("/q/health/live").status()).isEqualTo(200);
        try (Connection staging = stopAndOpenStaging()) {
            assertStagingEqualsSource(staging, "after streamed inserts and updates");
            // The streamed rows are staged exactly as the copied ones: same columns, same types, same values.
            assertThat(columnTypes(staging)).isEqualTo(snapshotTypes);
            String all = COLUMNS.stream().map(column -> "coalesce(" + column.name() + "::varchar, '-')")
                    .collect(Collectors.joining(" || '|' || "));
            assertThat(SourceDatabases.rows(staging, "select id, " + all + ", _cdc_invalid::varchar from staging.every_type "
                    + "where _cdc_op = 'r' order by id"))
                    .isEqualTo(SourceDatabases.rows(staging, "select id - 3, " + all + ", _cdc_invalid::varchar "
                            + "from staging.every_type where _cdc_op = 'c' order by id"));
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
        }

        // A value that cannot be held arriving alone changes nothing for what follows it.
        pipeline.start();
        try (Connection connection = source(); Statement statement = connection.createStatement()) {
            statement.execute("update every_type set c_numeric_not_null = 'NaN', c_numeric_ps = 'NaN' where id = 4");
            last = SourceDatabases.inTransaction(connection, "update every_type set c_integer = 42 where id = 6");
        }
        pipeline.awaitStaged(last);
        assertThat(pipeline.get("/q/health/live").status()).isEqualTo(200);
        try (Connection staging = stopAndOpenStaging()) {
            assertStagingEqualsSource(staging, "after a lone NaN and a later change");
        }
    }

    private static List<List<Object>> columnTypes(Connection staging) throws SQLException {
        return SourceDatabases.rows(staging, "select column_name, data_type from information_schema.columns "
                + "where table_schema = 'staging' and table_name = 'every_type' order by ordinal_position");
    }

    private static void assertStagingEqualsSource(Connection staging, String when) throws Exception {
        Map<Integer, Map<String, String>> expected = expected();
        Map<Integer, Map<String, String>> actual = staged(staging);
        for (Integer id : expected.keySet()) {
            assertThat(actual.get(id)).as("staged row %d %s", id, when).isEqualTo(expected.get(id));
        }
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
    }

    /** The expected staged text of every column of every source row: the value, or INVALID: and the source text. */
    private static Map<Integer, Map<String, String>> expected() throws SQLException {
        String select = COLUMNS.stream().map(column -> {
            String value = column.expected().replace("$", column.name());
            return column.invalidWhen() == null ? value
                    : "case when " + column.invalidWhen().replace("$", column.name())
                    + " then 'INVALID:' || " + column.name() + "::text else " + value + " end";
        }).collect(Collectors.joining(", "));
        try (Connection connection = source(); Statement statement = connection.createStatement()) {
            statement.execute("set time zone 'UTC'");
            statement.execute("set intervalstyle = 'postgres'");
            return read(statement, "select id, " + select + " from every_type");
        }
    }

    /** The current state of every row in staging: per column its latest staged value, or its invalid text. */
    private static Map<Integer, Map<String, String>> staged(Connection staging) throws SQLException {
        String order = "struct_pack(loaded := _cdc_loaded_at, streamed := _cdc_op <> 'r', lsn := _cdc_lsn, seq := _cdc_seq)";
        String select = COLUMNS.stream().map(column -> "arg_max_null(coalesce("
                        + column.staged().replace("$", column.name())
                        + ", 'INVALID:' || json_extract_string(_cdc_invalid, '$." + column.name() + "')), " + order
                        + ") filter (where _cdc_unavailable is null or not json_contains(_cdc_unavailable, '\""
                        + column.name() + "\"'))")
                .collect(Collectors.joining(", "));
        try (Statement statement = staging.createStatement()) {
            return read(statement, "select id, " + select + " from staging.every_type group by id having not arg_max_null("
                    + "_cdc_deleted, " + order + ")");
        }
    }

    private static Map<Integer, Map<String, String>> read(Statement statement, String sql) throws SQLException {
        Map<Integer, Map<String, String>> rows = new TreeMap<>();
        try (ResultSet row = statement.executeQuery(sql)) {
            while (row.next()) {
                Map<String, String> values = new java.util.LinkedHashMap<>();
                for (int i = 0; i < COLUMNS.size(); i++) {
                    values.put(COLUMNS.get(i).name(), row.getString(i + 2));
                }
                rows.put(row.getInt(1), values);
            }
        }
        return rows;
    }

    private static Connection source() throws SQLException {
        return postgres.connect("wild");
    }

    /**
     * Stops the pipeline (SIGTERM: it stores what it holds) and opens its warehouse, which only one process
     * can have open: the next step starts the pipeline again, which resumes from its stored offsets.
     */
    private static Connection stopAndOpenStaging() throws Exception {
        assertThat(pipeline.terminate()).isIn(0, 143);
        return new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties());
    }
}
