package io.livewarehouse.packaging;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.support.DebianPackages;
import io.livewarehouse.support.PipelineProcess;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import org.awaitility.Awaitility;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image, built by the README's command ({@code src/main/deploy/image/build --offline}: Jib, no daemon, the
 * base from Debian packages) and run by podman as an orchestrator runs it, with the source on the host: the
 * probes answer on the management port, the pages only with credentials, a source change reaches staging and
 * the marts in the container's volume, SIGTERM stops it within its grace period with the offsets stored, and
 * a restart goes on from them without loss; the process is the image's non-root user. Skipped, saying why,
 * where podman cannot be installed or cannot run a container (no root, no apt-get).
 */
class ContainerImageIT {

    private static final String IMAGE = "localhost/live-warehouse:latest";
    private static final Path PODMAN = Path.of("/usr/bin/podman");
    private static final Path RUNC = Path.of("/usr/sbin/runc");

    @Test
    void theImageRunsAsAnOrchestratorRunsItAndStopsGracefully() throws Exception {
        DebianPackages.ensure("the container image test", List.of(PODMAN, RUNC, Path.of("/usr/bin/mmdebstrap")),
                "podman", "runc", "mmdebstrap");
        Path work = Files.createTempDirectory(Path.of("target"), "container").toAbsolutePath();
        assertThat(run(work.resolve("build.log"), Duration.ofMinutes(15), "src/main/deploy/image/build", "--offline"))
                .as("src/main/deploy/image/build --offline; see " + work.resolve("build.log")).isZero();
        String name = "lw-it-" + ProcessHandle.current().pid();
        String volume = name + "-state";
        List<String> podmanRun = new ArrayList<>(List.of(PODMAN.toString(), "run", "--rm", "--name", name,
                // This sandbox lacks CAP_SYS_RESOURCE (podman's default limits cannot be raised) and runs a
                // hybrid cgroup layout crun refuses: runc and explicit limits; elsewhere both are harmless.
                "--runtime", RUNC.toString(), "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                // Nothing is written to the image: its root is read-only, as the manifests run it.
                "--read-only", "--network", "host", "--stop-timeout", "30", "-v", volume + ":/var/lib/live-warehouse"));
        Assumptions.assumeTrue(run(work.resolve("probe.log"), Duration.ofMinutes(2), PODMAN.toString(), "run", "--rm",
                        "--runtime", RUNC.toString(), "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                        "--entrypoint", "true", IMAGE) == 0,
                "podman cannot run a container here: " + Files.readString(work.resolve("probe.log")));

        EmbeddedSource source = EmbeddedSource.start(work.resolve("postgres"), 0, 1, 7);
        PipelineProcess pipeline = new PipelineProcess(work, Map.of(
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                "PIPELINE_SOURCE_PASSWORD", "container-secret-4711",
                "PIPELINE_MARTS_INTERVAL_MS", "2000"))
                .inContainer(podmanRun, IMAGE);
        SourceLoad load = null;
        Thread loadThread = null;
        try {
            pipeline.start();
            pipeline.awaitStartedReadyAndLive(Duration.ofMinutes(3));
            assertThat(pipeline.anonymousGet("/").status()).isEqualTo(401);
            assertThat(pipeline.get("/").status()).isEqualTo(200);
            // The process in the container is the image's user, not root, and java itself is PID 1 (so the
            // runtime's SIGTERM reaches the JVM, not a shell).
            assertThat(capture(PODMAN.toString(), "exec", name, "sh", "-c", "stat -c %u /proc/1 && id -u && cat /proc/1/comm"))
                    .isEqualTo("10001\n10001\njava\n");

            // A source change reaches staging and the marts (the API reads them from the container's volume).
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                // The source's clock before the change: its commit is at or after this.
                java.time.OffsetDateTime changing = PipelineProcess.sourceNow(connection);
                SourceDatabases.inTransaction(connection,
                        "update public.customer set email = 'in.the.container@example.com' where customer_id = 7");
                try {
                    pipeline.awaitMartsApplied(changing);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("the marts did not apply the change; readiness: " + pipeline.readiness(), e);
                }
            }
            assertThat(pipeline.get("/api/marts/dim_customer?size=1000").body()).contains("in.the.container@example.com");

            // SIGTERM under load: stored offsets, gone well within the orchestrator's grace period.
            EmbeddedSource running = source;
            load = new SourceLoad(() -> running.connect(EmbeddedSource.DATABASE), 30);
            loadThread = new Thread(load, "source-load");
            loadThread.start();
            long stagedBefore = pipeline.readinessNumber("rowsStaged");
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessNumber("rowsStaged") > stagedBefore);
            long stopping = System.nanoTime();
            assertThat(pipeline.terminate()).isIn(0, 143);
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).as("stop after SIGTERM").isLessThan(Duration.ofSeconds(30));
            assertThat(pipeline.output()).contains("stopped in");

            // Started again on the same volume: no new snapshot, it goes on from the offsets and catches up.
            pipeline.start();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.readinessStatus() == 200);
            load.stop();
            loadThread.join();
            assertThat(load.failure()).isNull();
            try (Connection connection = source.connect(EmbeddedSource.DATABASE)) {
                pipeline.awaitCaughtUp(connection);
            }
            assertThat(pipeline.output()).doesNotContain("Snapshot step 1");
            assertThat(pipeline.terminate()).isIn(0, 143);

            Path state = Path.of(capture(PODMAN.toString(), "volume", "inspect", "--format", "{{.Mountpoint}}", volume).trim());
            assertThat(Files.getAttribute(state.resolve("warehouse.duckdb"), "unix:uid")).isEqualTo(10001);
            try (Connection connection = source.connect(EmbeddedSource.DATABASE);
                 Connection staging = new DuckDBDriver().connect("jdbc:duckdb:" + state.resolve("warehouse.duckdb"),
                         readOnly())) {
                StagingComparison.assertStagingEqualsSource(connection, staging);
                StagingComparison.assertNoDuplicates(connection, staging);
                assertThat(SourceDatabases.single(staging,
                        "select email from marts.dim_customer where customer_id = 7 and is_current"))
                        .isEqualTo("in.the.container@example.com");
            }
            assertThat(Files.readString(pipeline.outputFile())).doesNotContain("container-secret-4711")
                    .doesNotContain(PipelineProcess.OPERATOR_PASSWORD);
        } finally {
            if (load != null) {
                load.stop();
            }
            run(work.resolve("cleanup.log"), Duration.ofMinutes(1), PODMAN.toString(), "rm", "-f", "-t", "0", name);
            run(work.resolve("cleanup.log"), Duration.ofMinutes(1), PODMAN.toString(), "volume", "rm", "-f", volume);
            source.close();
        }
    }

    private static Properties readOnly() {
        Properties properties = new Properties();
        properties.setProperty("duckdb.read_only", "true");
        return properties;
    }

    private static int run(Path log, Duration timeout, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(new File(".")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        process.getOutputStream().close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " took more than " + timeout);
        }
        return process.exitValue();
    }

    private static String capture(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }
}
