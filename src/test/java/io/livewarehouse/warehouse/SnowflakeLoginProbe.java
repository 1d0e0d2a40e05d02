package io.livewarehouse.warehouse;

import io.livewarehouse.config.WarehouseSettings;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Run in its own JVM by {@link SnowflakeDriverFootprintTest} (system properties and the home directory are
 * per process): logs in through SnowflakeWarehouse to {@code args[1]} and prints what the login said.
 */
public final class SnowflakeLoginProbe {

    public static void main(String[] args) {
        Path cache = Path.of(args[0]);
        String url = args[1];
        WarehouseSettings.Snowflake settings = settings(url, "not-a-real-password");
        SnowflakeWarehouse warehouse = new SnowflakeWarehouse(settings, cache);
        try (var connection = warehouse.connect()) {
            System.out.println("LOGIN connected");
        } catch (SQLException e) {
            System.out.println("LOGIN failed: " + e.getMessage());
        }
        System.exit(0);
    }

    /** Settings for a login as {@code pipeline} with this password to this URL, the rest their defaults. */
    static WarehouseSettings.Snowflake settings(String url, String password) {
        return new WarehouseSettings.Snowflake() {
            public Optional<String> account() { return Optional.empty(); }
            public Optional<String> url() { return Optional.of(url); }
            public Optional<String> user() { return Optional.of("pipeline"); }
            public Optional<String> privateKeyFile() { return Optional.empty(); }
            public Optional<String> privateKeyPassphrase() { return Optional.empty(); }
            public Optional<String> password() { return Optional.of(password); }
            public Optional<String> role() { return Optional.empty(); }
            public Optional<String> warehouse() { return Optional.empty(); }
            public String database() { return "DVD_RENTALS"; }
            public String stagingSchema() { return "STAGING"; }
            public String martsSchema() { return "MARTS"; }
            public String pipelineSchema() { return "_PIPELINE"; }
            public int loginTimeoutSeconds() { return 10; }
            public int copyBatchRows() { return 2000; }
        };
    }
}
