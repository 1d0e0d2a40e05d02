package io.livewarehouse.capture;

import io.livewarehouse.source.DvdRentalDump;
import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data nobody here wrote: the real DVD Rental dump (dvdrental.tar) restored into PostgreSQL, captured by the
 * packaged pipeline, changed, and compared with STAGING column by column; the marts built from it pass every
 * data test and reconcile exactly with the source.
 */
class RealDumpCaptureIT {

    @Test
    void theRealDvdRentalDatabaseArrivesInStagingValueForValue() throws Exception {
        Path dump = DvdRentalDump.locate();
        Assumptions.assumeTrue(dump != null, "dvdrental.tar not found beside the project");
        Path work = Files.createTempDirectory(Path.of("target"), "real-dump").toAbsolutePath();
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 1);
        PipelineProcess pipeline = null;
        try {
            DvdRentalDump.restoreInto(source, "dvdrental_real", dump);
            Path warehouseFile = work.resolve("warehouse.duckdb");
            pipeline = new PipelineProcess(work, Map.of(
                    "PIPELINE_SOURCE_HOST", "localhost",
                    "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                    "PIPELINE_SOURCE_DATABASE", "dvdrental_real",
                    "PIPELINE_SOURCE_PASSWORD", "embedded",
                    "PIPELINE_WAREHOUSE_DUCKDB_PATH", warehouseFile.toString(),
                    "PIPELINE_STATE_DIR", work.resolve("state").toString(),
                    "PIPELINE_MARTS_INTERVAL_MS", "2000"));
            pipeline.start();
            java.time.OffsetDateTime sentinelStarted;
            PipelineProcess running = pipeline;
            try (Connection connection = source.connect("dvdrental_real"); Statement statement = connection.createStatement()) {
                // Changes of every kind on the real rows, while the snapshot may still be running.
                statement.execute("update public.film set title = 'Academy Dinosaur Ⅱ', special_features = '{}' where film_id = 1");
                statement.execute("update public.staff set picture = null where staff_id = 1");
                statement.execute("delete from public.payment where payment_id in (17503, 17504)");
                statement.execute("insert into public.actor (first_name, last_name) values ('Ана', 'Иванова')");
                statement.execute("update public.address set address2 = null where address_id between 5 and 9");
                // The sentinel goes in once streaming runs, so that it is streamed rather than snapshotted.
                Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> "streaming".equals(running.readinessText("phase")));
                sentinelStarted = PipelineProcess.sourceNow(connection);
                running.awaitCaughtUp(connection);
            }
            // The marts: once they have applied the sentinel, every data test passes, reconciliation with the
            // real source included.
            running.awaitMartsApplied(sentinelStarted);
            running.awaitDataTestsPass();
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = source.connect("dvdrental_real");
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + warehouseFile, new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                // language.name is char(20): its padding arrives as PostgreSQL outputs it.
                assertThat(SourceDatabases.single(staging,
                        "select count(*) from staging.language where length(name) = 20")).isEqualTo(6L);
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
                // Spot checks of the marts against the real rows.
                assertThat(SourceDatabases.single(staging, "select sum(amount)::varchar from marts.fact_payment"))
                        .isEqualTo(SourceDatabases.single(connection, "select sum(amount)::text from public.payment"));
                assertThat(SourceDatabases.single(staging, "select count(distinct film_title) from marts.obt_rental "
                        + "where film_id = 1")).isEqualTo(1L);
                assertThat(SourceDatabases.single(staging, "select film_title from marts.obt_rental where film_id = 1 limit 1"))
                        .isEqualTo("Academy Dinosaur Ⅱ");
                assertThat(SourceDatabases.single(staging, "select count(*) from marts.fact_rental where not is_returned"))
                        .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.rental where return_date is null"));
                assertThat(SourceDatabases.single(staging, "select count(*) from marts.dim_customer "
                        + "where is_current and email = 'sentinel@example.com'")).isEqualTo(1L);
            }
        } finally {
            if (pipeline != null && pipeline.isAlive()) {
                pipeline.kill();
            }
            source.close();
        }
    }
}
