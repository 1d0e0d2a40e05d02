package io.livewarehouse.warehouse;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the real Snowflake driver does on this machine before any Snowflake answers: an account that cannot
 * be reached gives one message saying what to check, and nothing is written to the user's home directory
 * (the driver's OCSP cache, which it writes even with ssl=off, goes to the pipeline's state folder).
 */
@Tag("unit")
class SnowflakeDriverFootprintTest {

    @Test
    void anUnreachableAccountSaysWhatToCheckAndLeavesTheHomeDirectoryAlone(@TempDir Path work) throws Exception {
        Path home = Files.createDirectories(work.resolve("home"));
        Path cache = work.resolve("state/snowflake");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String url = "jdbc:snowflake://127.0.0.1:" + closedPort + "/?ssl=off&account=probe&maxHttpRetries=1";
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp")),
                "-cp", System.getProperty("java.class.path"),
                SnowflakeLoginProbe.class.getName(), cache.toString(), url))
                .redirectErrorStream(true);
        builder.environment().put("HOME", home.toString());
        builder.environment().remove("XDG_CACHE_HOME");
        builder.environment().put("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String said = new String(output, StandardCharsets.UTF_8);

        assertThat(said).as(said).contains("LOGIN failed: Snowflake at jdbc:snowflake://127.0.0.1:" + closedPort
                + "/ cannot be reached: check pipeline.warehouse.snowflake.account (or .url), the network and any proxy");
        assertThat(said).doesNotContain("not-a-real-password");
        try (Stream<Path> written = Files.walk(home)) {
            assertThat(written.filter(path -> !path.equals(home)).toList()).as("files under the home directory").isEmpty();
        }
        assertThat(cache.resolve("ocsp_response_cache.json")).as("the driver's cache, where the pipeline put it").exists();
    }
}
