package io.livewarehouse.operations;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warehouse refuses writes for real: its disk fills up (a small tmpfs holds the DuckDB file) while the
 * source keeps changing. Readiness goes DOWN and says why, liveness stays UP, nothing is acknowledged to the
 * source; once space is free again the pipeline catches up with nothing lost or doubled. Needs root (mount);
 * skipped elsewhere.
 */
@org.junit.jupiter.api.condition.DisabledIfSystemProperty(named = "outage.tests", matches = "false",
        disabledReason = "switched off with -Doutage.tests=false")
class WarehouseOutageIT {

    @Test
    void aFullWarehouseDiskStopsStagingUntilSpaceIsBackAndLosesNothing() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "warehouse-outage").toAbsolutePath();
        Path disk = work.resolve("warehouse");
        Files.createDirectories(disk);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", disk.toString()) == 0,
                "mounting a tmpfs needs root");
        EmbeddedSource source = null;
        PipelineProcess pipeline = null;
        SourceLoad load = null;
        Thread loadThread = null;
        try {
            source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 9);
            EmbeddedSource db = source;
            pipeline = new PipelineProcess(work, Map.of(
                    "PIPELINE_SOURCE_HOST", "localhost",
                    "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                    "PIPELINE_SOURCE_PASSWORD", "embedded",
                    "PIPELINE_WAREHOUSE_DUCKDB_PATH", disk.resolve("warehouse.duckdb").toString(),
                    "PIPELINE_STATE_DIR", work.resolve("state").toString(),
                    "PIPELINE_MARTS_INTERVAL_MS", "3000"));
            PipelineProcess running = pipeline;
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> running.get("/q/health/started").status() == 200 && running.readinessStatus() == 200);

            // The disk fills up while the shop goes on.
            Path filler = disk.resolve("filler");
            fill(filler);
            load = new SourceLoad(() -> db.connect(EmbeddedSource.DATABASE), 30);
            loadThread = new Thread(load, "source-load");
            loadThread.start();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> running.readinessStatus() == 503);
            String readiness = running.readiness();
            assertThat(readiness).containsAnyOf("staging writes failing", "No space left");
            for (int i = 0; i < 5; i++) {
                assertThat(running.get("/q/health/live").status()).as(running.get("/q/health/live").body()).isEqualTo(200);
                Thread.sleep(1000);
            }

            // Space again: the buffered batch is written, the pipeline catches up and is ready.
            Files.delete(filler);
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> running.readinessStatus() == 200);
            Thread.sleep(2000);
            load.stop();
            loadThread.join();
            assertThat(load.failure()).isNull();
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            assertThat(pipeline.terminate()).isIn(0, 143);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + disk.resolve("warehouse.duckdb"), new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
            }
        } finally {
            if (load != null) {
                load.stop();
                loadThread.join(10_000);
            }
            if (pipeline != null && pipeline.isAlive()) {
                pipeline.kill();
            }
            if (source != null) {
                source.close();
            }
            // Keep the warehouse for a look after a failure: the tmpfs goes away with the unmount.
            if (Files.exists(disk.resolve("warehouse.duckdb"))) {
                Files.copy(disk.resolve("warehouse.duckdb"), work.resolve("warehouse-after.duckdb"));
            }
            run("umount", "-l", disk.toString());
        }
    }

    /** Writes zeros until the file system says it is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
