package io.livewarehouse.marts;

import io.livewarehouse.capture.StagedPosition;
import io.livewarehouse.marts.TestCatalog.Reconciliation;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.staging.StagingWriter;
import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The reconciliation of the marts with the source ({@code reconciliation} in the models' yml files): a measure over a
 * source table against the same measure over a mart, exact even while changes flow (see {@link #reconcile}).
 * Source statements are in source/reconciliation.sql, warehouse statements in warehouse/pipeline.sql.
 */
final class SourceReconciliation {

    /** What the source said, read in one snapshot, with the WAL position that snapshot had seen. */
    private record SourceReading(long position, Map<String, String> values) {
    }

    private final Warehouse warehouse;
    private final SourceConnections source;
    private final StagingWriter writer;
    private final MartRunner marts;
    private final Duration catchUpTimeout;
    private final NamedSql sourceSql = NamedSql.load("source/reconciliation.sql");

    SourceReconciliation(Warehouse warehouse, SourceConnections source, StagingWriter writer, MartRunner marts,
                         Duration catchUpTimeout) {
        this.warehouse = warehouse;
        this.source = source;
        this.writer = writer;
        this.marts = marts;
        this.catchUpTimeout = catchUpTimeout;
    }

    /**
     * Reconciles the marts with the source, exactly even while changes flow. Runs while the mart runner is
     * paused, so that each mart stays as its watermark says. Then:
     * <ol>
     * <li>the source is read in one snapshot, with the WAL position that snapshot had seen; every mart holds
     *     only transactions the snapshot sees too, because the marts were read-stable before it was taken;</li>
     * <li>a measure that is equal on both sides passes;</li>
     * <li>otherwise, once staging holds every transaction committed before that position, the keys staged after
     *     the mart's watermark are exactly those whose rows may differ for a good reason (changes the mart has
     *     not applied yet). Without them the measure must be equal on both sides, or the test fails.</li>
     * </ol>
     * Before the first snapshot has finished, or when the pipeline does not catch up within
     * {@code pipeline.quality.catch-up-timeout-ms}, a mismatch is reported as pending, not failed.
     */
    List<DataTests.Result> reconcile(Connection marts, List<Reconciliation> reconciliations) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Map<String, OffsetDateTime> watermarks = new HashMap<>();
        Map<String, String> martValues = new HashMap<>();
        for (Reconciliation reconciliation : reconciliations) {
            watermarks.put(reconciliation.model(), this.marts.watermark(marts, reconciliation.model()));
            martValues.put(reconciliation.name(), single(marts, dialect.statement("reconcile-mart-measure",
                    martTokens(reconciliation)), List.of()));
        }
        List<DataTests.Result> results = new ArrayList<>();
        try (Connection connection = source.open()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                SourceReading reading = readSource(connection, reconciliations);
                StagedPosition staged = null;
                OffsetDateTime stagedThrough = null;
                for (Reconciliation reconciliation : reconciliations) {
                    String test = "reconcile_" + reconciliation.name();
                    String expected = reading.values().get(reconciliation.name());
                    String actual = martValues.get(reconciliation.name());
                    if (Objects.equals(expected, actual)) {
                        results.add(new DataTests.Result(reconciliation.model(), test, "passed", 0L, "source " + expected + ", marts " + actual));
                        continue;
                    }
                    OffsetDateTime watermark = watermarks.get(reconciliation.model());
                    if (staged == null) {
                        staged = awaitStaged(reading.position());
                        try (Connection fresh = warehouse.connect()) {
                            stagedThrough = StagingCatalog.newestLoad(fresh, dialect);
                        }
                    }
                    String pending = !staged.snapshotFinished() ? "the initial snapshot has not finished"
                            : staged.lsn() < reading.position() ? "staging has not reached the source position read ("
                                    + staged.lsn() + " < " + reading.position() + ") within " + catchUpTimeout.toMillis() + " ms"
                            : watermark == null ? reconciliation.model() + " has not run yet" : null;
                    if (pending != null) {
                        results.add(new DataTests.Result(reconciliation.model(), test, "pending", null,
                                "source " + expected + ", marts " + actual + "; not comparable yet: " + pending));
                        continue;
                    }
                    results.add(compareUnchanged(connection, marts, reconciliation, watermark, stagedThrough));
                }
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            for (Reconciliation reconciliation : reconciliations.subList(results.size(), reconciliations.size())) {
                results.add(new DataTests.Result(reconciliation.model(), "reconcile_" + reconciliation.name(), "error", null,
                        e.getMessage()));
            }
        }
        return results;
    }

    private SourceReading readSource(Connection connection, List<Reconciliation> reconciliations) throws SQLException {
        long position;
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sourceSql.get("source-position"))) {
            row.next();
            position = row.getLong(1);
        }
        Map<String, String> values = new HashMap<>();
        for (Reconciliation reconciliation : reconciliations) {
            values.put(reconciliation.name(), sourceSingle(connection, sourceSql.get("source-measure",
                    Map.of("measure", reconciliation.measure(), "table", reconciliation.sourceTable())), List.of()));
        }
        return new SourceReading(position, values);
    }

    /** Waits, up to the catch-up timeout, until staging holds everything committed before {@code position}. */
    private StagedPosition awaitStaged(long position) throws SQLException {
        long deadline = System.nanoTime() + catchUpTimeout.toNanos();
        // At idle the stored offsets move only now and then (pipeline.staging.idle-commit-interval-ms): while
        // this waits for them, they move with the heartbeats.
        try (StagingWriter.OffsetsWanted wanted = writer.offsetsWanted()) {
            while (true) {
                StagedPosition staged = StagedPosition.of(writer.readOffsets());
                if ((staged.snapshotFinished() && staged.lsn() >= position) || System.nanoTime() > deadline) {
                    return staged;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return staged;
                }
            }
        }
    }

    /** The measure on both sides over the keys that did not change after the mart's watermark. */
    private DataTests.Result compareUnchanged(Connection source, Connection marts, Reconciliation reconciliation,
                                    OffsetDateTime watermark, OffsetDateTime stagedThrough) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Map<String, String> tokens = martTokens(reconciliation);
        List<Object> keys = new ArrayList<>();
        try (PreparedStatement changed = marts.prepareStatement(dialect.statement("reconcile-changed-keys", tokens))) {
            warehouse.dialect().bind(changed, 1, watermark);
            warehouse.dialect().bind(changed, 2, stagedThrough);
            try (ResultSet rows = changed.executeQuery()) {
                while (rows.next()) {
                    keys.add(rows.getObject(1));
                }
            }
        }
        String expected = sourceSingle(source, sourceSql.get("source-measure-excluding", Map.of(
                "measure", reconciliation.measure(), "table", reconciliation.sourceTable(),
                "key", SourceConnections.quote(reconciliation.sourceKey()))),
                List.of(source.createArrayOf("bigint", keys.stream().map(k -> ((Number) k).longValue()).toArray())));
        String actual = single(marts, dialect.statement("reconcile-mart-measure-excluding", tokens),
                List.of(watermark, stagedThrough));
        String detail = "source " + expected + ", marts " + actual + " over the keys unchanged since " + watermark
                + " (" + keys.size() + " changing keys left out)";
        return new DataTests.Result(reconciliation.model(), "reconcile_" + reconciliation.name(),
                Objects.equals(expected, actual) ? "passed" : "failed", Objects.equals(expected, actual) ? 0L : 1L, detail);
    }

    private Map<String, String> martTokens(Reconciliation reconciliation) {
        WarehouseDialect dialect = warehouse.dialect();
        return Map.of("measure", reconciliation.measure(),
                "model", dialect.quote(dialect.martsSchema()) + "." + dialect.quote(reconciliation.model()),
                // `where` names a boolean column of the mart.
                "where", reconciliation.martWhere() == null ? "1 = 1" : dialect.quote(reconciliation.martWhere()),
                "staging_table", dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(reconciliation.table()),
                "key", dialect.quote(reconciliation.sourceKey()),
                "mart_key", dialect.quote(reconciliation.martKey()));
    }

    /** A warehouse query's one value, its parameters bound the warehouse's way. */
    private String single(Connection connection, String sql, List<Object> values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.size(); i++) {
                warehouse.dialect().bind(statement, i + 1, values.get(i));
            }
            return firstValue(statement);
        }
    }

    /**
     * A source query's one value. Its parameters are PostgreSQL's (an array of keys), bound as pgjdbc takes
     * them: the warehouse dialect's binding is for the warehouse (Snowflake's has none for a PostgreSQL array).
     */
    private static String sourceSingle(Connection source, String sql, List<Object> values) throws SQLException {
        try (PreparedStatement statement = source.prepareStatement(sql)) {
            for (int i = 0; i < values.size(); i++) {
                statement.setObject(i + 1, values.get(i));
            }
            return firstValue(statement);
        }
    }

    private static String firstValue(PreparedStatement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery()) {
            row.next();
            Object value = row.getObject(1);
            return value instanceof java.math.BigDecimal decimal ? decimal.stripTrailingZeros().toPlainString()
                    : String.valueOf(value);
        }
    }
}
