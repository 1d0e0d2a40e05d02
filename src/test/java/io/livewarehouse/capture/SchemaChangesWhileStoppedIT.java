package io.livewarehouse.capture;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema changes made while the pipeline is stopped, followed by changes of data: columns added (with and without
 * a default), widened, renamed and dropped, rows inserted, updated and deleted. When the pipeline starts again
 * staging ends up holding every row as the source holds it, and readiness names the table that changed shape.
 * (Changes of a table written before its schema change in the same stop are decoded by Debezium 3.4 with the
 * new columns: docs/staging.md says so, and readiness points at the table to check.)
 */
class SchemaChangesWhileStoppedIT {

    @Test
    void changesAndSchemaChangesMadeWhileStoppedAllArrive() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "stopped-changes").toAbsolutePath();
        EmbeddedSource postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        PipelineProcess pipeline = PipelineProcess.against(work, postgres, "shop",
                "PIPELINE_SOURCE_TABLES", "public.orders,public.customers");
        try {
            try (Connection admin = postgres.connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("create database shop");
            }
            try (Connection connection = postgres.connect("shop"); Statement statement = connection.createStatement()) {
                statement.execute("create table customers (id integer primary key, name text)");
                statement.execute("create table orders (id integer primary key, status text, qty integer, note text)");
                statement.execute("insert into customers select i, 'customer ' || i from generate_series(1, 20) i");
                statement.execute("insert into orders select i, 'open', i, 'note ' || i from generate_series(1, 100) i");
            }
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "streaming".equals(pipeline.readinessText("phase")));
            try (Connection connection = postgres.connect("shop")) {
                pipeline.awaitStaged(SourceDatabases.inTransaction(connection,
                        "update customers set name = 'streamed before the stop' where id = 4"));
            }
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = postgres.connect("shop"); Statement statement = connection.createStatement()) {
                // Every schema change first, then the changes of data.
                statement.execute("alter table orders add column priority integer default 3");
                statement.execute("alter table orders alter column qty type bigint");
                statement.execute("alter table orders rename column note to remark");
                statement.execute("alter table orders drop column status");
                statement.execute("alter table orders add column shipped date");
                statement.execute("insert into orders (id, qty, remark) select i, i, 'late ' || i from generate_series(101, 105) i");
                statement.execute("update orders set priority = 1 where id = 1");
                statement.execute("update customers set name = 'renamed customer' where id = 1");
                statement.execute("update orders set qty = 5000000000 where id = 2");
                statement.execute("update orders set remark = 'renamed column' where id = 3");
                statement.execute("update orders set qty = 7 where id = 4");
                statement.execute("update orders set shipped = '2024-01-01' where id = 5");
                statement.execute("insert into orders (id, qty, remark) values (106, 6, 'after all of it')");
                statement.execute("delete from orders where id = 100");
                statement.execute("update customers set name = 'last' where id = 2");
            }
            pipeline.start();
            long last;
            try (Connection connection = postgres.connect("shop")) {
                last = SourceDatabases.inTransaction(connection, "update customers set name = 'marker' where id = 3");
            }
            pipeline.awaitStaged(last);
            // The operator is told which table changed shape while the pipeline was stopped, and how.
            assertThat(pipeline.readinessText("changedWhileStopped")).contains("public.orders")
                    .contains("priority is new").contains("qty is BIGINT, staged as INTEGER");
            assertThat(pipeline.terminate()).isIn(0, 143);

            List<String> columns = List.of("qty", "remark", "priority", "shipped");
            try (Connection source = postgres.connect("shop");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                String order = "struct_pack(loaded := _cdc_loaded_at, streamed := _cdc_op <> 'r', lsn := _cdc_lsn, seq := _cdc_seq)";
                assertThat(SourceDatabases.rows(staging, "select id, " + columns.stream()
                        .map(column -> "arg_max_null(" + column + "::varchar, " + order + ")").collect(Collectors.joining(", "))
                        + " from staging.orders group by id having not arg_max_null(_cdc_deleted, " + order + ") order by id"))
                        .isEqualTo(SourceDatabases.rows(source, "select id, " + columns.stream().map(column -> column + "::text")
                                .collect(Collectors.joining(", ")) + " from orders order by id"));
                assertThat(SourceDatabases.rows(staging, "select id, arg_max_null(name, " + order + ") from staging.customers "
                        + "group by id order by id"))
                        .isEqualTo(SourceDatabases.rows(source, "select id, name from customers order by id"));
                assertThat(SourceDatabases.single(staging, "select data_type from information_schema.columns "
                        + "where table_schema = 'staging' and table_name = 'orders' and column_name = 'qty'")).isEqualTo("BIGINT");
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            }
        } finally {
            if (pipeline.isAlive()) {
                pipeline.kill();
            }
            postgres.close();
        }
    }
}
