package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.support.SourceDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the capture checks about its tables before it reads anything, against a real PostgreSQL: each way a
 * table could be captured wrongly is refused at start with the table and the fix named; keys and the
 * publication are worked out from the source.
 */
@Tag("unit")
class CapturedTablesTest {

    private static EmbeddedSource postgres;

    @BeforeAll
    static void start() throws Exception {
        Path directory = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "captured-tables");
        postgres = EmbeddedSource.startEmpty(directory.resolve("data"), 0);
        try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("create table sales (id int, sold_at date, amount numeric(7,2), primary key (id, sold_at)) "
                    + "partition by range (sold_at)");
            statement.execute("create table sales_2024 partition of sales for values from ('2024-01-01') to ('2025-01-01')");
            statement.execute("create table log (at timestamptz, message text)");
            statement.execute("create table log_full (at timestamptz, message text)");
            statement.execute("alter table log_full replica identity full");
            statement.execute("create table tagged (code text not null, label text)");
            statement.execute("create unique index tagged_code on tagged (code)");
            statement.execute("alter table tagged replica identity using index tagged_code");
            statement.execute("create table plain (id int primary key, total int generated always as (id * 2) stored)");
            statement.execute("create table coded (id int primary key, code text not null)");
            statement.execute("create table coded_full (id int primary key, code text not null)");
            statement.execute("alter table coded_full replica identity full");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @Test
    void keysComeFromThePrimaryKeyTheNamedKeyTheIdentityIndexOrTheWholeRow() throws Exception {
        CapturedTables tables = tables("keys", List.of("public.sales", "public.log", "public.log_full", "public.tagged",
                "public.plain"), "public.log=at");
        tables.prepare();
        assertThat(tables.table("public", "sales").key()).containsExactly("id", "sold_at");
        assertThat(tables.table("public", "sales").partitioned()).isTrue();
        assertThat(tables.table("public", "log").key()).containsExactly("at");
        assertThat(tables.table("public", "log_full").key()).containsExactly("at", "message");
        assertThat(tables.table("public", "log_full").wholeRow()).isTrue();
        assertThat(tables.table("public", "tagged").key()).containsExactly("code");
        // PostgreSQL 17 does not publish stored generated columns: they are left out, not staged as NULL.
        assertThat(tables.table("public", "plain").skipped()).containsExactly("total");
        try (Connection connection = postgres.connect("postgres")) {
            assertThat(SourceDatabases.single(connection, "select pubviaroot from pg_publication where pubname = 'keys'"))
                    .isEqualTo(true);
            assertThat(SourceDatabases.rows(connection, "select tablename from pg_publication_tables "
                    + "where pubname = 'keys' order by 1")).extracting(row -> row.get(0))
                    .containsExactly("log", "log_full", "plain", "sales", "tagged");
        }
    }

    @Test
    void aTableAddedToTheListLaterIsAddedToThePublication() throws Exception {
        tables("grow", List.of("public.sales"), "").prepare();
        CapturedTables tables = tables("grow", List.of("public.sales", "public.log_full"), "");
        tables.prepare();
        assertThat(tables.table("public", "log_full")).isNotNull();
        try (Connection connection = postgres.connect("postgres")) {
            assertThat(SourceDatabases.rows(connection, "select tablename from pg_publication_tables "
                    + "where pubname = 'grow' order by 1")).extracting(row -> row.get(0)).containsExactly("log_full", "sales");
        }
    }

    @Test
    void aTableWithoutAnyKeyIsRefusedWithBothFixes() {
        assertThatThrownBy(() -> tables("no_key", List.of("public.sales", "public.log"), "").prepare())
                .hasMessageContaining("public.log has no primary key")
                .hasMessageContaining("pipeline.source.key-columns")
                .hasMessageContaining("ALTER TABLE public.log REPLICA IDENTITY FULL");
    }

    @Test
    void aPartitionListedBesideItsTableIsRefused() {
        assertThatThrownBy(() -> tables("twice", List.of("public.sales", "public.sales_2024"), "").prepare())
                .hasMessageContaining("public.sales_2024 is a partition of public.sales")
                .hasMessageContaining("remove public.sales_2024 from pipeline.source.tables");
    }

    @Test
    void aPublicationThatSendsPartitionsUnderTheirOwnNamesIsRefused() throws Exception {
        try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("create publication theirs for table sales");
        }
        assertThatThrownBy(() -> tables("theirs", List.of("public.sales"), "").prepare())
                .hasMessageContaining("ALTER PUBLICATION theirs SET (publish_via_partition_root = true)");
    }

    @Test
    void aTableThatIsNotThereIsNamed() {
        assertThatThrownBy(() -> tables("missing", List.of("public.nowhere"), "").prepare())
                .hasMessageContaining("public.nowhere (pipeline.source.tables) is not a table");
    }

    @Test
    void aNamedKeyOutsideTheReplicaIdentityIsRefusedUnlessTheIdentityIsFull() throws Exception {
        // An update of code would arrive without its old value: the row would stay under its old code.
        assertThatThrownBy(() -> tables("coded", List.of("public.coded"), "public.coded=code").prepare())
                .hasMessageContaining("public.coded [code] is not within its replica identity [id]")
                .hasMessageContaining("ALTER TABLE public.coded REPLICA IDENTITY FULL");
        CapturedTables full = tables("coded_full", List.of("public.coded_full"), "public.coded_full=code");
        full.prepare();
        assertThat(full.table("public", "coded_full").key()).containsExactly("code");
        assertThat(full.table("public", "coded_full").primaryKey()).isFalse();
    }

    @Test
    void onlyConstantDefaultsCountAsWhatExistingRowsRead() throws Exception {
        for (String constant : List.of("'open'::text", "0", "(-1)", "'-1'::integer", "1.5", "true",
                "'2024-01-01'::date", "'a''b'::character varying", "'{}'::integer[]", "'happy'::public.mood")) {
            assertThat(CapturedTables.isConstant(constant)).as(constant).isTrue();
        }
        for (String computed : List.of("now()", "nextval('film_film_id_seq'::regclass)", "('now'::text)::date",
                "CURRENT_TIMESTAMP", "gen_random_uuid()", "'a'::text || 'b'::text", "(1 + 2)")) {
            assertThat(CapturedTables.isConstant(computed)).as(computed).isFalse();
        }
        assertThat(CapturedTables.isConstant(null)).isFalse();
        try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("create table defaults (id int primary key, status text default 'open', "
                    + "created date default ('now'::text)::date, seen timestamptz default now())");
        }
        CapturedTables tables = tables("defaults", List.of("public.defaults"), "");
        tables.prepare();
        var columns = tables.columnsNow(tables.table("public", "defaults"));
        assertThat(columns.get("status").constantDefault()).isTrue();
        assertThat(columns.get("created").constantDefault()).isFalse();
        assertThat(columns.get("seen").constantDefault()).isFalse();
        assertThat(columns.get("seen").position()).isEqualTo(4);
    }

    @Test
    void namedKeysAreReadAsTableEqualsColumns() {
        assertThat(TableSettings.keyColumns("public.log=id,at; audit.events = event_id"))
                .containsEntry("public.log", List.of("id", "at")).containsEntry("audit.events", List.of("event_id"));
        assertThatThrownBy(() -> TableSettings.keyColumns("public.log:id")).hasMessageContaining("schema.table=column");
    }

    private static CapturedTables tables(String publication, List<String> tables, String keyColumns) {
        SourceSettings settings = new SourceSettings() {
            public String host() { return "localhost"; }
            public int port() { return postgres.port(); }
            public String database() { return "postgres"; }
            public String user() { return EmbeddedSource.USER; }
            public Optional<String> password() { return Optional.empty(); }
            public List<String> tables() { return tables; }
            public Optional<String> columnExcludeList() { return Optional.empty(); }
            public Optional<String> keyColumns() { return Optional.of(keyColumns); }
            public Optional<String> columnHashList() { return Optional.empty(); }
            public Optional<String> hashSalt() { return Optional.empty(); }
        };
        return new CapturedTables(new SourceConnections(settings), publication);
    }
}
