package io.livewarehouse.marts;

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
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database that is not DVD Rental: captured on the defaults it is ready (the packaged DVD Rental models do
 * not apply and are left out), and with the user's own models folder ({@code pipeline.marts.models-dir}: a
 * {@code models/schema.yml}, as any models/*.yml may be named, and one model, as docs/your-database.md shows) its mart is built, kept current and tested.
 */
class OwnModelsIT {

    @Test
    void anotherDatabaseIsReadyOnTheDefaultsAndRunsItsOwnModels() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "own-models").toAbsolutePath();
        EmbeddedSource postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        Path models = Files.createDirectories(work.resolve("my-marts/models"));
        Files.writeString(models.resolve("schema.yml"), """
                models:
                  - name: orders_by_country
                    description: Orders and their amount per country of the customer.
                    columns:
                      - name: country
                        tests: [unique, not_null]
                """);
        Files.writeString(models.resolve("orders_by_country.sql"), """
                -- orders_by_country: how many orders, and how much, per country of the customer.
                -- grain: one row per country
                -- key: country
                -- inputs: cur_orders, cur_customers
                create or replace table marts.orders_by_country as
                select c.country, count(*) as orders, sum(o.amount) as amount
                from marts.cur_orders as o join marts.cur_customers as c on c.id = o.customer_id
                group by c.country;
                """);
        Path warehouseFile = work.resolve("warehouse.duckdb");
        PipelineProcess pipeline = PipelineProcess.against(work, postgres, "shop",
                "PIPELINE_SOURCE_TABLES", "public.orders,public.customers", "PIPELINE_MARTS_INTERVAL_MS", "1000");
        try {
            try (Connection admin = postgres.connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("create database shop");
            }
            try (Connection connection = postgres.connect("shop"); Statement statement = connection.createStatement()) {
                statement.execute("create table customers (id integer primary key, name text, country text)");
                statement.execute("create table orders (id integer primary key, customer_id integer, amount numeric(8,2))");
                statement.execute("insert into customers select i, 'customer ' || i, case when i % 3 = 0 then 'PT' "
                        + "else 'NO' end from generate_series(1, 30) i");
                statement.execute("insert into orders select i, 1 + i % 30, i * 1.25 from generate_series(1, 300) i");
            }

            // Capture only, on the defaults: ready, and the DVD Rental models left out, saying so.
            pipeline.start();
            PipelineProcess captureOnly = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(captureOnly.readinessStatus()).as(captureOnly.readiness()).isEqualTo(200));
            try (Connection connection = postgres.connect("shop")) {
                captureOnly.awaitStaged(SourceDatabases.inTransaction(connection, "update orders set amount = 1 where id = 1"));
            }
            assertThat(pipeline.output()).contains("fact_payment");
            assertThat(pipeline.terminate()).isIn(0, 143);

            // The user's models.
            pipeline = pipeline.with("PIPELINE_MARTS_MODELS_DIR", work.resolve("my-marts").toString());
            pipeline.start();
            PipelineProcess own = pipeline;
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "streaming".equals(own.readinessText("phase")));
            try (Connection connection = postgres.connect("shop")) {
                own.awaitStaged(SourceDatabases.inTransaction(connection,
                        "update customers set country = 'SE' where id = 7",
                        "insert into orders values (301, 7, 99.99)", "delete from orders where id = 2"));
            }
            PipelineProcess.Answer[] tests = new PipelineProcess.Answer[1];
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                own.post("/pipeline/marts/refresh");
                tests[0] = own.post("/pipeline/data-tests");
                assertThat(tests[0].body()).contains("orders_by_country").doesNotContain("\"failed\"")
                        .doesNotContain("\"error\"");
                assertThat(own.readinessStatus()).as(own.readiness()).isEqualTo(200);
            });
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection source = postgres.connect("shop");
                 Connection warehouse = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                assertThat(SourceDatabases.rows(warehouse, "select country, orders, amount::varchar from marts.orders_by_country order by 1"))
                        .isEqualTo(SourceDatabases.rows(source, "select c.country, count(*), sum(o.amount)::text from orders o "
                                + "join customers c on c.id = o.customer_id group by 1 order by 1"));
                assertThat(SourceDatabases.single(warehouse, "select count(*) from information_schema.tables "
                        + "where table_schema = 'marts' and table_name = 'fact_payment'")).isEqualTo(0L);
            }
        } finally {
            pipeline.killAll();
            postgres.close();
        }
    }
}
