package io.livewarehouse.warehouse;

import io.livewarehouse.staging.CdcColumns;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The benchmark's Snowflake figures: staging batches of a payment-shaped table (its source columns and the CDC
 * columns, two of them JSON) appended through the real driver against the emulator, by bound INSERTs and by
 * PUT and COPY INTO, at the same batch sizes, each batch one transaction as the staging commit writes it.
 * What this measures is the pipeline's and the driver's side and the emulator's DuckDB, not Snowflake's
 * compute or a cloud stage's upload: the ratio between the two paths and the statements per staged change
 * are what carries over.
 */
public final class SnowflakeLoadBench {

    private SnowflakeLoadBench() {
    }

    /** Figures by name: rows/s for each path and size, their ratio, and statements per 1,000 staged rows. */
    public static Map<String, Double> measure(Path work, List<Integer> batchSizes, int rowsPerSize) throws Exception {
        Map<String, Double> figures = new LinkedHashMap<>();
        Path folder = Files.createDirectories(work.resolve("snowflake-load"));
        try (SnowflakeEmulator emulator = new SnowflakeEmulator(folder.resolve("warehouse.duckdb"))) {
            SnowflakeWarehouse warehouse = new SnowflakeWarehouse(SnowflakeLoginProbe.settings(emulator.url(), "emulated"),
                    folder.resolve("state"));
            SnowflakeDialect dialect = (SnowflakeDialect) warehouse.dialect();
            List<StagingColumn> columns = new ArrayList<>(List.of(
                    new StagingColumn("payment_id", ColumnType.of(ColumnType.Kind.INTEGER)),
                    new StagingColumn("customer_id", ColumnType.of(ColumnType.Kind.SMALLINT)),
                    new StagingColumn("staff_id", ColumnType.of(ColumnType.Kind.SMALLINT)),
                    new StagingColumn("rental_id", ColumnType.of(ColumnType.Kind.INTEGER)),
                    new StagingColumn("amount", ColumnType.decimal(5, 2)),
                    new StagingColumn("payment_date", ColumnType.of(ColumnType.Kind.TIMESTAMP))));
            columns.addAll(CdcColumns.ALL);
            try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
                statement.execute(dialect.statement("create-schemas").split(";")[0]);
                for (String path : List.of("insert", "copy")) {
                    statement.execute(dialect.statement("create-staging-table", Map.of("table",
                            dialect.quote(dialect.stagingSchema()) + "." + dialect.quote("payment_" + path), "columns",
                            columns.stream().map(c -> dialect.quote(c.name()) + " " + dialect.typeOf(c.type()))
                                    .collect(Collectors.joining(", ")))));
                }
                connection.setAutoCommit(false);
                // Warm-up: the JIT and the driver's first requests, not measured.
                for (String path : List.of("insert", "copy")) {
                    appendAll(emulator, dialect, connection, path, columns, 2_000, 4_000);
                }
                for (int size : batchSizes) {
                    double[] insert = appendAll(emulator, dialect, connection, "insert", columns, size, rowsPerSize);
                    double[] copy = appendAll(emulator, dialect, connection, "copy", columns, size, rowsPerSize);
                    figures.put("snowflake insert rows/s, batches of " + size, insert[0]);
                    figures.put("snowflake put+copy rows/s, batches of " + size, copy[0]);
                    figures.put("snowflake put+copy / insert, batches of " + size, copy[0] / insert[0]);
                    figures.put("snowflake insert statements per 1000 rows, batches of " + size, insert[1] * 1000);
                    figures.put("snowflake put+copy statements per 1000 rows, batches of " + size, copy[1] * 1000);
                }
            } finally {
                warehouse.close();
            }
        }
        return figures;
    }

    /** Appends {@code total} rows in batches of {@code size}, a transaction each: rows/s and requests per row. */
    private static double[] appendAll(SnowflakeEmulator emulator, SnowflakeDialect dialect, Connection connection,
                                      String path, List<StagingColumn> columns, int size, int total) throws Exception {
        dialect.copyBatchRows(path.equals("copy") ? 1 : 0);
        long requests = emulator.queries();
        long started = System.nanoTime();
        int written = 0;
        OffsetDateTime loadedAt = OffsetDateTime.now(ZoneOffset.UTC);
        while (written < total) {
            List<Object[]> rows = new ArrayList<>(size);
            for (int i = 0; i < size; i++, written++) {
                rows.add(new Object[] {written, (short) (written % 599), (short) 1, written, new BigDecimal("4.99"),
                        LocalDateTime.of(2026, 1, 1, 0, 0).plusSeconds(written), "u", 40_000_000L + written, i,
                        (long) written / size, loadedAt, loadedAt, false, null, null});
            }
            dialect.append(connection, dialect.stagingSchema(), "payment_" + path, columns, rows);
            connection.commit();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // The commits are the staging transaction's too; each is one request.
        return new double[] {written / seconds, (emulator.queries() - requests) / (double) written};
    }
}
