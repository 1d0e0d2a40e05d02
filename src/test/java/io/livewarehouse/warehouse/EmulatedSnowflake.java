package io.livewarehouse.warehouse;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts a {@link SnowflakeEmulator} before the application and points the pipeline at it: the Snowflake
 * warehouse of a test profile, reached through the real Snowflake JDBC driver.
 */
public class EmulatedSnowflake implements QuarkusTestResourceLifecycleManager {

    private static volatile SnowflakeEmulator emulator;

    /** The running emulator, for the test to change its behaviour and look at what it stored. */
    public static SnowflakeEmulator emulator() {
        return emulator;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path folder = Files.createDirectories(Path.of("target/test-data/snowflake-emulated"));
            Path database = folder.resolve("warehouse.duckdb");
            Files.deleteIfExists(database);
            Files.deleteIfExists(folder.resolve("warehouse.duckdb.wal"));
            emulator = new SnowflakeEmulator(database);
        } catch (Exception e) {
            throw new IllegalStateException("The Snowflake emulator did not start", e);
        }
        return Map.of("pipeline.warehouse.kind", "snowflake",
                "pipeline.warehouse.snowflake.url", emulator.url(),
                "pipeline.warehouse.snowflake.user", "pipeline",
                "pipeline.warehouse.snowflake.password", "emulated",
                "pipeline.warehouse.snowflake.login-timeout-seconds", "10");
    }

    @Override
    public void stop() {
        try {
            if (emulator != null) {
                emulator.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
