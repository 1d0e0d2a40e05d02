package io.livewarehouse.warehouse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The real Snowflake JDBC driver, through SnowflakeWarehouse, logs in to the emulator and runs statements. */
class SnowflakeEmulatorTest {

    @Test
    void theRealDriverLogsInAndQueries(@TempDir Path work) throws Exception {
        try (SnowflakeEmulator emulator = new SnowflakeEmulator(work.resolve("emulated.duckdb"))) {
            SnowflakeWarehouse warehouse = new SnowflakeWarehouse(settings(emulator.url()), work.resolve("state/snowflake"));
            try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
                statement.execute("create table t (id integer, name varchar, amount decimal(9,2), ok boolean)");
                assertThat(statement.executeUpdate("insert into t values (1, 'one', 4.99, true), (2, null, 0.5, false)"))
                        .isEqualTo(2);
                try (ResultSet rows = statement.executeQuery("select id, name, amount, ok from t order by id")) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getInt(1)).isEqualTo(1);
                    assertThat(rows.getString(2)).isEqualTo("one");
                    assertThat(rows.getBigDecimal(3)).isEqualByComparingTo("4.99");
                    assertThat(rows.getBoolean(4)).isTrue();
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(2)).isNull();
                    assertThat(rows.next()).isFalse();
                }
            }
            // A closed connection goes back to the pool and is reused after a heartbeat, without a new login.
            long before = emulator.queries();
            try (Connection again = warehouse.connect(); Statement statement = again.createStatement();
                 ResultSet row = statement.executeQuery("select count(*) from t")) {
                row.next();
                assertThat(row.getLong(1)).isEqualTo(2);
            }
            assertThat(emulator.queries()).isEqualTo(before + 1);
            warehouse.close();
        } finally {
            // SnowflakeWarehouse points the driver's caches at this test's folder, which is about to go.
            System.clearProperty("net.snowflake.jdbc.ocspResponseCacheDir");
            System.clearProperty("net.snowflake.jdbc.temporaryCredentialCacheDir");
        }
    }

    static WarehouseSettings.Snowflake settings(String url) {
        return new WarehouseSettings.Snowflake() {
            public Optional<String> account() { return Optional.empty(); }
            public Optional<String> url() { return Optional.of(url); }
            public Optional<String> user() { return Optional.of("pipeline"); }
            public Optional<String> privateKeyFile() { return Optional.empty(); }
            public Optional<String> privateKeyPassphrase() { return Optional.empty(); }
            public Optional<String> password() { return Optional.of("emulated"); }
            public Optional<String> role() { return Optional.empty(); }
            public Optional<String> warehouse() { return Optional.empty(); }
            public String database() { return "DVD_RENTALS"; }
            public String stagingSchema() { return "STAGING"; }
            public String martsSchema() { return "MARTS"; }
            public String pipelineSchema() { return "_PIPELINE"; }
            public int loginTimeoutSeconds() { return 10; }
        };
    }
}
