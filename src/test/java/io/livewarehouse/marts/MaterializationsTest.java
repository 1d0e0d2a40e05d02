package io.livewarehouse.marts;

import io.livewarehouse.warehouse.DuckDbDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incremental materialization, the sources' freshness and the current state's earlier names, on an
 * in-memory DuckDB (a real warehouse, no pipeline): a model that is only its SELECT is merged on its key,
 * deletes leave or stay as it says, its table gains the columns its SELECT gains; freshness warns and
 * fails past its thresholds; a warehouse kept with int_<table> mirrors goes on under cur_<table>.
 */
@Tag("unit")
class MaterializationsTest {

    private static final OffsetDateTime T1 = OffsetDateTime.parse("2026-01-01T00:00:00Z");
    private static final OffsetDateTime T2 = OffsetDateTime.parse("2026-01-02T00:00:00Z");

    private final DuckDbDialect dialect = new DuckDbDialect();
    private Connection connection;

    @BeforeEach
    void open() throws SQLException {
        connection = DriverManager.getConnection("jdbc:duckdb:");
        execute("create schema marts", "create schema staging", "create schema _pipeline",
                dialect.statement("create-model-watermarks"),
                "create table marts.changes_in (id integer, is_deleted boolean, name varchar, amount integer)");
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
    }

    @Test
    void anIncrementalModelIsItsSelectMergedOnItsKey() throws SQLException {
        IncrementalMerge merge = new IncrementalMerge(MartFiles.classpath(), dialect);
        MartModel model = model("fact_x", "");
        execute("insert into marts.changes_in values (1, false, 'one', 10), (2, false, 'two', 20)");
        assertThat(apply(merge, model, T1)).isEqualTo(2);
        assertThat(rows("select id, name, amount, loaded_at = timestamptz '2026-01-01 00:00:00+00' from marts.fact_x order by id"))
                .containsExactly("1|one|10|true", "2|two|20|true");
        assertThat(rows("select column_name from information_schema.columns where table_name = 'fact_x' order by ordinal_position"))
                .as("is_deleted is not stored; loaded_at is added").containsExactly("id", "name", "amount", "loaded_at");

        // An update, a delete and an insert of a row deleted before it was ever merged.
        execute("delete from marts.changes_in",
                "insert into marts.changes_in values (1, false, 'uno', 11), (2, true, null, null), (3, true, null, null)");
        apply(merge, model, T2);
        assertThat(rows("select id, name, amount, loaded_at = timestamptz '2026-01-02 00:00:00+00' from marts.fact_x order by id"))
                .containsExactly("1|uno|11|true");
    }

    @Test
    void aModelCreatedAndMergedInItsRunsTransactionIsReadByTheModelsAfterIt() throws SQLException {
        // As ModelExecution runs it: in a transaction. DuckDB 2.0 lost the statistics of a table created by
        // CREATE TABLE AS and merged into in one transaction, and a filtered read of it then found no row
        // (fact_rental stayed empty behind int_rental_activity, whose next MERGE inserted its rows again).
        IncrementalMerge merge = new IncrementalMerge(MartFiles.classpath(), dialect);
        execute("insert into marts.changes_in select i, false, 'n' || i, i from range(1, 200001) r(i)");
        for (OffsetDateTime through : List.of(T1, T2)) {
            connection.setAutoCommit(false);
            apply(merge, model("int_x", "-- deleted: keep\n"), through);
            connection.commit();
            connection.setAutoCommit(true);
        }
        assertThat(rows("select count(*), count(distinct id), min(id), min(loaded_at) = timestamptz '2026-01-02 00:00:00+00' "
                + "from marts.int_x")).containsExactly("200000|200000|1|true");
        assertThat(rows("select count(*) from marts.int_x where loaded_at > timestamptz '2026-01-01 00:00:00+00' "
                + "and id > 0")).containsExactly("200000");
    }

    @Test
    void aColumnAddedToALargeModelInItsRunsTransactionKeepsItReadable() throws SQLException {
        // The table's whole shape (CREATE, then the ALTERs that follow a SELECT's new or wider columns) commits
        // before the MERGE, so no DDL shares the MERGE's transaction whatever DuckDB loses with it.
        execute("insert into marts.changes_in select i, false, 'n' || i, i from range(1, 200001) r(i)");
        apply(new IncrementalMerge(MartFiles.classpath(), dialect), model("int_x", "-- deleted: keep\n"), T1);
        MartModel edited = MartModel.parse("int_x", "-- grain: one row per x\n-- key: id\n-- materialized: incremental\n"
                + "-- deleted: keep\nselect id, is_deleted, name, amount, cast(amount as bigint) * 1000 as milli "
                + "from marts.changes_in where :loaded_from < :loaded_through", sql -> sql);
        connection.setAutoCommit(false);
        apply(new IncrementalMerge(MartFiles.classpath(), dialect), edited, T2);
        connection.commit();
        connection.setAutoCommit(true);
        assertThat(rows("select count(*), count(distinct id), min(id), min(milli) from marts.int_x"))
                .containsExactly("200000|200000|1|1000");
        assertThat(rows("select count(*) from marts.int_x where milli > 0 and id > 0")).containsExactly("200000");
    }

    @Test
    void aTableMadeByAnEarlierCreateStatementIsMergedIntoAsItIs() throws SQLException {
        // As fact_rental was declared before it became an incremental model: a primary key, NOT NULL, own order.
        execute("create table marts.fact_x (id integer primary key, amount integer, name varchar, "
                + "loaded_at timestamptz not null)", "insert into marts.changes_in values (1, false, 'one', 10)");
        apply(new IncrementalMerge(MartFiles.classpath(), dialect), model("fact_x", ""), T1);
        assertThat(rows("select id, amount, name from marts.fact_x")).containsExactly("1|10|one");
        assertThat(rows("select column_name || ' ' || data_type from information_schema.columns "
                + "where table_name = 'fact_x' order by ordinal_position"))
                .containsExactly("id INTEGER", "amount INTEGER", "name VARCHAR", "loaded_at TIMESTAMP WITH TIME ZONE");
    }

    @Test
    void aModelThatKeepsDeletesMarksThemAndItsTableFollowsItsSelect() throws SQLException {
        IncrementalMerge merge = new IncrementalMerge(MartFiles.classpath(), dialect);
        MartModel keeping = model("int_x", "-- deleted: keep\n");
        execute("insert into marts.changes_in values (1, false, 'one', 10), (2, true, null, null)");
        apply(merge, keeping, T1);
        assertThat(rows("select id, is_deleted from marts.int_x order by id")).containsExactly("1|false", "2|true");

        // The model edited: a new column; a fresh materialization (as after a reload) adds it to the table.
        MartModel edited = MartModel.parse("int_x", "-- grain: one row per x\n-- key: id\n-- materialized: incremental\n"
                + "-- deleted: keep\nselect id, is_deleted, name, amount, cast(amount as bigint) * 1000 as milli, "
                + "interval '1 day' * id as waited "
                + "from marts.changes_in where :loaded_from < :loaded_through", sql -> sql);
        apply(new IncrementalMerge(MartFiles.classpath(), dialect), edited, T2);
        assertThat(rows("select id, milli from marts.int_x order by id")).containsExactly("1|10000", "2|null");
        assertThat(rows("select data_type from information_schema.columns where table_name = 'int_x' and column_name = 'waited'"))
                .as("added with the type the SELECT gives, not one of staging's").containsExactly("INTERVAL");
    }

    @Test
    void freshnessWarnsThenFailsPastItsThresholds() {
        Map<String, Object> schema = Map.of("sources", List.of(Map.of(
                "name", "shop",
                "freshness", Map.of("warn_after", Map.of("count", 1, "period", "hour"),
                        "error_after", Map.of("count", 1, "period", "day")),
                "tables", List.of(Map.of("name", "orders"), mapWithNullFreshness("countries"),
                        Map.of("name", "uncaptured")))));
        List<SourceFreshness.Check> checks = SourceFreshness.declared(schema, Set.of("orders", "countries"));
        assertThat(checks).containsExactly(new SourceFreshness.Check("orders", "_cdc_source_ts", Duration.ofHours(1),
                Duration.ofDays(1)));
        SourceFreshness.Check check = checks.get(0);
        assertThat(SourceFreshness.judge(check, T2.minusMinutes(30), T2).status()).isEqualTo("passed");
        DataTests.Result warn = SourceFreshness.judge(check, T2.minusHours(3), T2);
        assertThat(warn.status()).isEqualTo("warn");
        assertThat(warn.detail()).isEqualTo("newest change 3 h ago; warn after 1 h");
        assertThat(SourceFreshness.judge(check, T1.minusHours(1), T2).status()).isEqualTo("failed");
        assertThat(SourceFreshness.judge(check, null, T2).detail()).startsWith("no change staged");
    }

    @Test
    void freshnessIsReadFromTheStagingTable() throws SQLException {
        execute("create table staging.orders (id integer, _cdc_source_ts timestamptz)",
                "insert into staging.orders values (1, timestamptz '2026-01-01 22:00:00+00'), (2, timestamptz '2026-01-01 23:30:00+00')");
        var check = new SourceFreshness.Check("orders", "_cdc_source_ts", Duration.ofHours(1), null);
        var missing = new SourceFreshness.Check("not_staged_yet", "_cdc_source_ts", Duration.ofHours(1), null);
        List<DataTests.Result> results = SourceFreshness.run(connection, dialect, List.of(check, missing), T2);
        assertThat(results).extracting(DataTests.Result::model, DataTests.Result::status, DataTests.Result::detail)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("source.orders", "passed", "newest change 30 min ago"));
    }

    @Test
    void currentStateKeptUnderItsEarlierNameGoesOnUnderTheNewOne() throws SQLException {
        execute("create table marts.int_film (film_id integer, title varchar)", "insert into marts.int_film values (1, 'A')",
                "create table marts.int_location (address_id integer)",
                "insert into _pipeline.model_watermarks values ('int_film', timestamptz '2026-01-01 00:00:00+00', now())",
                // As Snowflake can leave it: the table renamed (its DDL committed alone), the watermark not yet.
                "create table marts.cur_city (city_id integer)",
                "insert into _pipeline.model_watermarks values ('int_city', timestamptz '2026-01-01 00:00:00+00', now())");
        CurrentState currentState = new CurrentState(dialect);
        currentState.adoptEarlierNames(connection, List.of("film", "city", "location"), Set.of("int_location"));
        assertThat(rows("select film_id, title from marts.cur_film")).containsExactly("1|A");
        assertThat(rows("select model from _pipeline.model_watermarks order by 1")).containsExactly("cur_city", "cur_film");
        assertThat(rows("select table_name from information_schema.tables where table_schema = 'marts' order by 1"))
                .as("a hand-written model of that name stays")
                .containsExactly("changes_in", "cur_city", "cur_film", "int_location");
    }

    private static Map<String, Object> mapWithNullFreshness(String name) {
        Map<String, Object> table = new java.util.HashMap<>();
        table.put("name", name);
        table.put("freshness", null);
        return table;
    }

    private static MartModel model(String name, String header) {
        return MartModel.parse(name, "-- grain: one row per x\n-- key: id\n-- materialized: incremental\n" + header
                + "select id, is_deleted, name, amount from marts.changes_in where :loaded_from < :loaded_through", sql -> sql);
    }

    /** Runs alternate between the MERGE's two sources (a temporary table of few changes, the SELECT itself). */
    private boolean fewChanges;

    private long apply(IncrementalMerge merge, MartModel model, OffsetDateTime through) throws SQLException {
        List<OffsetDateTime> binds = new ArrayList<>();
        String select = ModelExecution.bindWindow(model.statements().get(0), ModelExecution.BEGINNING, through, binds);
        fewChanges = !fewChanges;
        return merge.apply(new io.livewarehouse.support.StatementCache(connection), model, select, binds, through, fewChanges, () -> { });
    }

    private void execute(String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private List<String> rows(String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(result.getObject(i)));
                }
                rows.add(String.join("|", values));
            }
        }
        return rows;
    }
}
