package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tables without a primary key, captured by the packaged pipeline: one by the key the user names
 * ({@code pipeline.source.key-columns}), one by its whole row under REPLICA IDENTITY FULL, holding identical
 * rows and NULLs. Every change reaches staging (an update of a key is a delete and an insert, with the TOASTed
 * values the update left alone, identical rows
 * copied in one statement are not taken for replays) and the current state equals the source. A table with
 * neither a key nor REPLICA IDENTITY FULL is refused at start, and readiness names it and both fixes.
 */
class KeylessTablesIT {

    @Test
    void tablesWithoutPrimaryKeyAreCapturedByTheirNamedKeyOrWholeRowAndOneWithNeitherIsRefused() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "keyless").toAbsolutePath();
        EmbeddedSource postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        PipelineProcess pipeline = null;
        try {
            try (Connection admin = postgres.connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("create database logs");
            }
            try (Connection connection = postgres.connect("logs"); Statement statement = connection.createStatement()) {
                statement.execute("create table log_named (at timestamptz not null, level text not null, message text)");
                statement.execute("alter table log_named replica identity full");
                statement.execute("create table log_full (at timestamptz, message text, n integer)");
                statement.execute("alter table log_full replica identity full");
                statement.execute("create table no_key (a integer, b text)");
                // The WARN message is TOASTed (48 kB that do not compress): the update of its level leaves it out of
                // the new row image, and the insert that update becomes takes it from the old one.
                statement.execute("insert into log_named values ('2024-01-01 10:00+00', 'INFO', 'started'), "
                        + "('2024-01-01 10:01+00', 'WARN', 'slow ' || (select string_agg(md5(i::text), '') "
                        + "from generate_series(1, 1500) i))");
                statement.execute("insert into log_full values ('2024-01-01 10:00+00', 'dup', 1), ('2024-01-01 10:00+00', 'dup', 1), "
                        + "(null, 'no time', null), ('2024-01-02 00:00+00', 'single', 5)");
            }
            Path warehouseFile = work.resolve("warehouse.duckdb");
            pipeline = PipelineProcess.against(work, postgres, "logs",
                    "PIPELINE_SOURCE_TABLES", "public.log_named,public.log_full",
                    "PIPELINE_SOURCE_KEY_COLUMNS", "public.log_named=at,level",
                    "PIPELINE_MARTS_INTERVAL_MS", "1000");
            pipeline.start();
            PipelineProcess running = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(running.readinessText("phase")));

            OffsetDateTime changed;
            try (Connection connection = postgres.connect("logs"); Statement statement = connection.createStatement()) {
                // Identical rows in one COPY share one LSN.
                connection.unwrap(PGConnection.class).getCopyAPI().copyIn("copy log_full from stdin",
                        new ByteArrayInputStream("2024-03-03 03:03:03+00\tcopied\t3\n2024-03-03 03:03:03+00\tcopied\t3\n"
                                .getBytes(StandardCharsets.UTF_8)));
                statement.execute("update log_full set n = 6 where message = 'single'");
                statement.execute("update log_full set message = 'had no time' where at is null");
                statement.execute("update log_named set message = 'started, really' where level = 'INFO'");
                statement.execute("update log_named set level = 'ERROR' where level = 'WARN'");
                statement.execute("insert into log_named values ('2024-01-01 10:02+00', 'INFO', null)");
                statement.execute("delete from log_named where level = 'INFO' and message is null");
                long last = SourceDatabases.inTransaction(connection, "delete from log_full where message = 'single'");
                changed = OffsetDateTime.parse((String) SourceDatabases.single(connection,
                        "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
                running.awaitStaged(last);
            }
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                String applied = running.readinessText("appliedSourceCommit");
                return applied != null && !applied.equals("null") && !OffsetDateTime.parse(applied).isBefore(changed.minusSeconds(1));
            });
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection source = postgres.connect("logs");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                // Every change of the whole-row table: 4 snapshot rows, 2 copied, 2 updates as delete + insert, 1 delete.
                assertThat(SourceDatabases.rows(staging, "select _cdc_op, count(*) from staging.log_full group by 1 order by 1"))
                        .containsExactly(List.of("c", 4L), List.of("d", 3L), List.of("r", 4L));
                assertThat(SourceDatabases.rows(staging, "select _cdc_op, count(*) from staging.log_named group by 1 order by 1"))
                        .containsExactly(List.of("c", 2L), List.of("d", 2L), List.of("r", 2L), List.of("u", 1L));
                // The current state is the source (a table keyed by its whole row holds each distinct row once).
                assertThat(SourceDatabases.rows(staging, "select strftime(\"at\" at time zone 'UTC', '%Y-%m-%d %H:%M'), level, message "
                        + "from marts.cur_log_named order by 1, 2"))
                        .isEqualTo(SourceDatabases.rows(source, "select to_char(\"at\" at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), "
                                + "level, message from log_named order by 1, 2"));
                assertThat(SourceDatabases.rows(staging, "select strftime(\"at\" at time zone 'UTC', '%Y-%m-%d %H:%M'), message, n "
                        + "from marts.cur_log_full order by 2"))
                        .isEqualTo(SourceDatabases.rows(source, "select distinct to_char(\"at\" at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), "
                                + "message, n from log_full order by 2"));
                assertThat(SourceDatabases.single(staging, "select key_columns from _pipeline.staging_tables "
                        + "where table_name = 'log_full'")).isEqualTo("at,message,n");
            }

            // A table with no key and no REPLICA IDENTITY FULL: refused before anything is read, and said why.
            pipeline = pipeline.with("PIPELINE_SOURCE_TABLES", "public.log_named,public.log_full,public.no_key");
            pipeline.start();
            PipelineProcess refused = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String readiness = refused.readiness();
                return readiness != null && readiness.contains("public.no_key has no primary key")
                        && readiness.contains("pipeline.source.key-columns")
                        && readiness.contains("ALTER TABLE public.no_key REPLICA IDENTITY FULL");
            });
            assertThat(pipeline.readinessStatus()).isEqualTo(503);
            // Not dead: a restart would meet the same table, so the orchestrator is not made to loop.
            assertThat(pipeline.get("/q/health/live").status()).isEqualTo(200);
        } finally {
            if (pipeline != null) {
                pipeline.killAll();
            }
            postgres.close();
        }
    }
}
