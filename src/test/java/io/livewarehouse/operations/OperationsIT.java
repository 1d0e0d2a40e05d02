package io.livewarehouse.operations;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline as an operator runs it: the packaged jar started the way the container image starts it (its
 * environment, state on one folder, a non-root user, no home directory, JSON logs), probed while the source
 * goes away and comes back and while it is stopped with SIGTERM under load. Nothing may be lost or doubled.
 */
class OperationsIT {

    /** The image's user (Dockerfile: USER 10001); any non-root id proves the same. */
    private static final int UID = 10001;
    private static final String PASSWORD = "operator-secret-31337";

    @Test
    void survivesASourceOutageAndSigtermUnderLoadAsTheContainerRunsIt() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "operations").toAbsolutePath();
        Path state = work.resolve("state");
        Files.createDirectories(state);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // The volume belongs to the image's user, as `chown pipeline:pipeline /var/lib/live-warehouse` does.
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setOwner(state, state.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(String.valueOf(UID)));
        }
        Path postgresDir = work.resolve("postgres");
        EmbeddedSource source = EmbeddedSource.start(postgresDir, 0, 1, 5);
        int port = source.port();
        Map<String, String> image = new HashMap<>(Map.of(
                // What the Dockerfile sets.
                "PIPELINE_STATE_DIR", state.toString(),
                "PIPELINE_WAREHOUSE_DUCKDB_PATH", state.resolve("warehouse.duckdb").toString(),
                "SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true",
                "HOME", "/nonexistent",
                // What an operator adds.
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(port),
                "PIPELINE_SOURCE_PASSWORD", PASSWORD,
                "PIPELINE_LOG_JSON", "true",
                "PIPELINE_MARTS_INTERVAL_MS", "2000"));
        PipelineProcess pipeline = new PipelineProcess(work, image)
                .javaOptions("-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=" + state.resolve("tmp"));
        Files.createDirectories(state.resolve("tmp"));
        if (root) {
            Files.setOwner(state.resolve("tmp"), state.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(String.valueOf(UID)));
            pipeline.asUser(UID, UID);
        }
        SourceLoad load = null;
        Thread loadThread = null;
        try {
            pipeline.start();
            // Started (the orchestrator's startup probe) once the snapshot is in staging; then ready and alive.
            pipeline.awaitStartedReadyAndLive(Duration.ofMinutes(3));

            // 1. The source goes away: not ready, but alive (the engine retries); nothing is lost meanwhile.
            source.close();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 503);
            assertThat(pipeline.readiness()).contains("\"source\"").doesNotContain(PASSWORD);
            for (int i = 0; i < 10; i++) {
                assertThat(pipeline.get("/q/health/live").status()).as(pipeline.get("/q/health/live").body()).isEqualTo(200);
                Thread.sleep(1000);
            }
            source = EmbeddedSource.start(postgresDir, port, 1, 5);
            EmbeddedSource restarted = source;
            load = new SourceLoad(() -> restarted.connect(EmbeddedSource.DATABASE), 40);
            loadThread = new Thread(load, "source-load");
            loadThread.start();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 200);
            long stagedBefore = pipeline.readinessNumber("rowsStaged");
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessNumber("rowsStaged") > stagedBefore);

            // 2. SIGTERM under load: the batch in hand is written with its offsets, and the JVM is gone quickly.
            long stopping = System.nanoTime();
            assertThat(pipeline.terminate()).isIn(0, 143);
            Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
            assertThat(stopped).as("stop after SIGTERM").isLessThan(Duration.ofSeconds(30));
            assertThat(pipeline.output()).contains("stopped in");

            // 3. Started again: it goes on from the committed offsets (no new snapshot) and catches up.
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.get("/q/health/started").status() == 200);
            Thread.sleep(3000);
            load.stop();
            loadThread.join();
            assertThat(load.failure()).isNull();
            assertThat(load.transactions()).isGreaterThan(50);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            assertThat(pipeline.output()).doesNotContain("Snapshot step 1");
            assertThat(pipeline.terminate()).isIn(0, 143);

            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + state.resolve("warehouse.duckdb"), new Properties())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                List<Integer> rentals = load.createdRentals.stream().toList();
                assertThat(rentals).isNotEmpty();
                assertThat(SourceDatabases.single(staging, "select count(distinct rental_id) from staging.rental where rental_id in ("
                        + rentals.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElseThrow() + ")"))
                        .isEqualTo((long) rentals.size());
                assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters")).isEqualTo(0L);
            }

            // The logs: JSON lines for a log shipper, and never the password.
            String output = Files.readString(pipeline.outputFile());
            assertThat(output).doesNotContain(PASSWORD);
            ObjectMapper json = new ObjectMapper();
            List<String> lines = output.lines().filter(line -> !line.isBlank() && !line.startsWith("---")).toList();
            assertThat(lines).hasSizeGreaterThan(20);
            for (String line : lines) {
                assertThat(json.readTree(line).has("message")).as(line).isTrue();
            }
            if (root) {
                // Everything the pipeline wrote belongs to its user: it ran as that user, not as root.
                try (Stream<Path> files = Files.walk(state)) {
                    for (Path file : files.toList()) {
                        assertThat(Files.getOwner(file).getName()).as(file.toString()).isIn(String.valueOf(UID), "10001");
                    }
                }
            }
        } finally {
            if (load != null) {
                load.stop();
                loadThread.join(10_000);
            }
            if (pipeline.isAlive()) {
                pipeline.kill();
            }
            source.close();
        }
    }
}
