package io.livewarehouse.warehouse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.livewarehouse.staging.ColumnType;
import io.livewarehouse.staging.StagingColumn;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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

    @Test
    void aStagingBatchLandsThroughTheDriversArrayBinding(@TempDir Path work) throws Exception {
        try (SnowflakeEmulator emulator = new SnowflakeEmulator(work.resolve("emulated.duckdb"))) {
            SnowflakeWarehouse warehouse = new SnowflakeWarehouse(settings(emulator.url()), work.resolve("state/snowflake"));
            WarehouseDialect dialect = warehouse.dialect();
            List<StagingColumn> columns = List.of(
                    new StagingColumn("id", ColumnType.of(ColumnType.Kind.INTEGER)),
                    new StagingColumn("small", ColumnType.of(ColumnType.Kind.SMALLINT)),
                    new StagingColumn("big", ColumnType.of(ColumnType.Kind.BIGINT)),
                    new StagingColumn("ratio", ColumnType.of(ColumnType.Kind.DOUBLE)),
                    new StagingColumn("active", ColumnType.of(ColumnType.Kind.BOOLEAN)),
                    new StagingColumn("amount", ColumnType.decimal(9, 2)),
                    new StagingColumn("name", ColumnType.of(ColumnType.Kind.TEXT)),
                    new StagingColumn("picture", ColumnType.of(ColumnType.Kind.BINARY)),
                    new StagingColumn("born", ColumnType.of(ColumnType.Kind.DATE)),
                    new StagingColumn("opens", ColumnType.of(ColumnType.Kind.TIME)),
                    new StagingColumn("updated", ColumnType.of(ColumnType.Kind.TIMESTAMP)),
                    new StagingColumn("committed", ColumnType.of(ColumnType.Kind.TIMESTAMPTZ)));
            OffsetDateTime instant = OffsetDateTime.of(2026, 11, 26, 9, 30, 15, 123_456_000, ZoneOffset.ofHours(2));
            List<Object[]> rows = List.of(
                    new Object[] {1, (short) 2, 3_000_000_000L, 0.25, true, new BigDecimal("4.99"), "Ann's", new byte[] {1, (byte) 0xff},
                            LocalDate.of(1990, 2, 28), LocalTime.of(8, 30, 0, 500_000_000),
                            LocalDateTime.of(2026, 1, 2, 3, 4, 5, 678_901_000), instant},
                    new Object[] {2, null, null, null, null, null, null, null, null, null, null, null});
            try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
                statement.execute(dialect.statement("create-schemas").split(";")[0]);
                String table = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote("probe");
                statement.execute(dialect.statement("create-staging-table", Map.of("table", table, "columns",
                        columns.stream().map(c -> dialect.quote(c.name()) + " " + dialect.typeOf(c.type()))
                                .collect(Collectors.joining(", ")))));
                long before = emulator.queries();
                dialect.append(connection, dialect.stagingSchema(), "probe", columns, rows);
                // One describe and one request for the whole batch: the rows went as array bindings.
                assertThat(emulator.queries() - before).isEqualTo(2);
            }
            warehouse.close();
            try (Statement look = emulator.duckdb().createStatement();
                 ResultSet row = look.executeQuery("select id, small, big, ratio, active, amount, name, hex(picture), born, "
                         + "opens, updated, committed, typeof(committed) from staging.probe order by id")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getInt(1)).isEqualTo(1);
                assertThat(row.getShort(2)).isEqualTo((short) 2);
                assertThat(row.getLong(3)).isEqualTo(3_000_000_000L);
                assertThat(row.getDouble(4)).isEqualTo(0.25);
                assertThat(row.getBoolean(5)).isTrue();
                assertThat(row.getBigDecimal(6)).isEqualByComparingTo("4.99");
                assertThat(row.getString(7)).isEqualTo("Ann's");
                assertThat(row.getString(8)).isEqualTo("01FF");
                assertThat(row.getObject(9, LocalDate.class)).isEqualTo(LocalDate.of(1990, 2, 28));
                assertThat(row.getObject(10, LocalTime.class)).isEqualTo(LocalTime.of(8, 30, 0, 500_000_000));
                assertThat(row.getObject(11, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5, 678_901_000));
                assertThat(row.getObject(12, OffsetDateTime.class).toInstant()).isEqualTo(instant.toInstant());
                assertThat(row.next()).isTrue();
                for (int column = 2; column <= 12; column++) {
                    assertThat(row.getObject(column)).as("column %d of the row of NULLs", column).isNull();
                }
            }
        } finally {
            System.clearProperty("net.snowflake.jdbc.ocspResponseCacheDir");
            System.clearProperty("net.snowflake.jdbc.temporaryCredentialCacheDir");
        }
    }

    private static WarehouseSettings.Snowflake settings(String url) {
        return SnowflakeLoginProbe.settings(url, "emulated");
    }
}
