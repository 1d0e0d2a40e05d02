package io.livewarehouse.marts;

import io.livewarehouse.capture.StagedPosition;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.staging.StagingWriter;
import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The data tests declared beside the models in {@code marts/models/schema.yml}: unique, not_null,
 * accepted_values, relationships, unique_current, and reconciliation of the marts with the source. Run by
 * the {@code data-tests} timer route and on demand ({@code POST /pipeline/data-tests}); every result is kept
 * in {@code _pipeline.data_test_results}, failures show in {@code pipeline_data_tests_failing} and in
 * readiness.
 */
@ApplicationScoped
@Named("dataTests")
public class DataTests {

    private static final Logger LOG = Logger.getLogger(DataTests.class);

    /** One test's outcome: passed, failed, pending (a first reconciliation mismatch) or error. */
    public record Result(String model, String test, String status, Long failingRows, String detail) {
    }

    private record Test(String model, String name, String statement, Map<String, String> identifiers, List<String> values) {
    }

    /** One measure over a source table and a mart; keys name the rows of each that stand for one another. */
    private record Reconciliation(String name, String model, String table, String sourceTable, String sourceKey,
                                  String martKey, String martWhere, String measure) {
    }

    /** What the source said, read in one snapshot, with the WAL position that snapshot had seen. */
    private record SourceReading(long position, Map<String, String> values) {
    }

    private final Warehouse warehouse;
    private final SourceConnections source;
    private final MartRunner marts;
    private final StagingWriter writer;
    private final NamedSql sourceSql = NamedSql.load("source/reconciliation.sql");
    private final Duration catchUpTimeout;
    private final MartFiles files;
    /** The version of the mart files the tests were declared from: schema.yml edits apply on the next run. */
    private String filesVersion;
    private final List<Test> tests = new ArrayList<>();
    private final List<Reconciliation> reconciliations = new ArrayList<>();
    private volatile List<Result> lastResults = List.of();
    private volatile OffsetDateTime lastRunAt;

    private final WarehouseSetup setup;

    public DataTests(Warehouse warehouse, WarehouseSetup setup, SourceConnections source, MartRunner marts,
                     StagingWriter writer, MeterRegistry registry, MartFiles files,
                     @ConfigProperty(name = "pipeline.quality.catch-up-timeout-ms") long catchUpTimeoutMs) {
        this.warehouse = warehouse;
        this.setup = setup;
        this.source = source;
        this.marts = marts;
        this.writer = writer;
        this.catchUpTimeout = Duration.ofMillis(catchUpTimeoutMs);
        this.files = files;
        this.filesVersion = files.version();
        declare(warehouse.dialect());
        Gauge.builder("pipeline.data.tests.failing", this, dataTests -> dataTests.failing().size())
                .description("Data tests failing in the last run").register(registry);
    }

    /** Runs every declared test, and the reconciliations when {@code reconcile} is true. */
    public synchronized List<Result> run(boolean reconcile) throws SQLException {
        String version = files.version();
        if (!version.equals(filesVersion)) {
            filesVersion = version;
            tests.clear();
            reconciliations.clear();
            declare(warehouse.dialect());
        }
        OffsetDateTime runAt = OffsetDateTime.now(ZoneOffset.UTC);
        List<Result> results = new ArrayList<>();
        WarehouseDialect dialect = warehouse.dialect();
        setup.ensure();
        try (Connection marts = warehouse.connect()) {
            try {
                for (Test test : applicable(tests, Test::model)) {
                    results.add(runTest(marts, test));
                }
                if (reconcile && !applicable(reconciliations, Reconciliation::model).isEmpty()) {
                    results.addAll(this.marts.whilePaused(() -> reconcile(marts)));
                }
                try (PreparedStatement insert = marts.prepareStatement(dialect.statement("insert-data-test-result"))) {
                    for (Result result : results) {
                        warehouse.dialect().bind(insert, 1, runAt);
                        insert.setString(2, result.model());
                        insert.setString(3, result.test());
                        insert.setString(4, result.status());
                        warehouse.dialect().bind(insert, 5, result.failingRows());
                        insert.setString(6, result.detail());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
            } catch (SQLException | RuntimeException e) {
                recordRun(marts, runAt, results.size(), -1, e.getMessage());
                throw e;
            }
            long failed = results.stream().filter(r -> "failed".equals(r.status()) || "error".equals(r.status())).count();
            recordRun(marts, runAt, results.size(), (int) failed, null);
        }
        lastResults = List.copyOf(results);
        lastRunAt = runAt;
        List<Result> failing = failing();
        if (!failing.isEmpty()) {
            LOG.warnf("Data tests failing: %s", failing.stream().map(r -> r.model() + "." + r.test()).toList());
        }
        return results;
    }

    /** One line of the run log, _pipeline.data_test_runs; {@code failed} -1 when the run itself failed. */
    private void recordRun(Connection marts, OffsetDateTime startedAt, int tests, int failed, String error) {
        try (PreparedStatement insert = marts.prepareStatement(warehouse.dialect().statement("insert-data-test-run"))) {
            warehouse.dialect().bind(insert, 1, startedAt);
            warehouse.dialect().bind(insert, 2, OffsetDateTime.now(ZoneOffset.UTC));
            insert.setInt(3, tests);
            insert.setInt(4, Math.max(failed, 0));
            insert.setString(5, failed < 0 ? "error" : failed == 0 ? "passed" : "failed");
            insert.setString(6, error);
            insert.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("Could not record the data test run in _pipeline.data_test_runs: %s", e.getMessage());
        }
    }

    /** The timer's run: the declared tests and the reconciliation with the source. */
    public void runScheduled() throws SQLException {
        run(true);
    }

    public List<Result> lastResults() {
        return lastResults;
    }

    public OffsetDateTime lastRunAt() {
        return lastRunAt;
    }

    public List<Result> failing() {
        return lastResults.stream().filter(r -> "failed".equals(r.status()) || "error".equals(r.status())).toList();
    }

    private Result runTest(Connection marts, Test test) {
        String sql = warehouse.dialect().statement(test.statement(), test.identifiers());
        try (PreparedStatement statement = marts.prepareStatement(sql)) {
            for (int i = 0; i < test.values().size(); i++) {
                statement.setString(i + 1, test.values().get(i));
            }
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                long failingRows = row.getLong(1);
                return new Result(test.model(), test.name(), failingRows == 0 ? "passed" : "failed", failingRows, null);
            }
        } catch (SQLException e) {
            return new Result(test.model(), test.name(), "error", null, e.getMessage());
        }
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
    private List<Result> reconcile(Connection marts) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Map<String, OffsetDateTime> watermarks = new HashMap<>();
        Map<String, String> martValues = new HashMap<>();
        List<Reconciliation> reconciliations = applicable(this.reconciliations, Reconciliation::model);
        for (Reconciliation reconciliation : reconciliations) {
            watermarks.put(reconciliation.model(), this.marts.watermark(marts, reconciliation.model()));
            martValues.put(reconciliation.name(), single(marts, dialect.statement("reconcile-mart-measure",
                    martTokens(reconciliation)), List.of()));
        }
        List<Result> results = new ArrayList<>();
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
                        results.add(new Result(reconciliation.model(), test, "passed", 0L, "source " + expected + ", marts " + actual));
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
                        results.add(new Result(reconciliation.model(), test, "pending", null,
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
                results.add(new Result(reconciliation.model(), "reconcile_" + reconciliation.name(), "error", null,
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

    /** The measure on both sides over the keys that did not change after the mart's watermark. */
    private Result compareUnchanged(Connection source, Connection marts, Reconciliation reconciliation,
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
        return new Result(reconciliation.model(), "reconcile_" + reconciliation.name(),
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

    /**
     * The captured source table of that name, schema-qualified and quoted as pipeline.source.tables lists it,
     * or null when it is not captured (its reconciliation then does not apply).
     */
    private String sourceTable(String table) {
        return source.settings().tables().stream().map(String::trim).filter(t -> t.endsWith("." + table)).findFirst()
                .map(t -> SourceConnections.quote(t.substring(0, t.indexOf('.'))) + "." + SourceConnections.quote(table))
                .orElse(null);
    }

    /** The tests (or reconciliations) of models that run on the captured tables. */
    private <T> List<T> applicable(List<T> declared, java.util.function.Function<T, String> model) {
        List<String> running = marts.modelNames();
        return declared.stream().filter(item -> running.contains(model.apply(item))).toList();
    }

    @SuppressWarnings("unchecked")
    private void declare(WarehouseDialect dialect) {
        Map<String, Object> schema = ModelCatalog.schema(files);
        for (Map<String, Object> model : (List<Map<String, Object>>) schema.get("models")) {
            String name = (String) model.get("name");
            String table = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(name);
            for (Object modelTest : (List<Object>) model.getOrDefault("tests", List.of())) {
                Map<String, Object> definition = (Map<String, Object>) modelTest;
                String column = (String) definition.get("unique_current");
                tests.add(new Test(name, "unique_current_" + column, "test-unique-current",
                        Map.of("model", table, "column", dialect.quote(column)), List.of()));
            }
            for (Map<String, Object> column : (List<Map<String, Object>>) model.getOrDefault("columns", List.of())) {
                String columnName = (String) column.get("name");
                Map<String, String> identifiers = Map.of("model", table, "column", dialect.quote(columnName));
                for (Object declared : (List<Object>) column.getOrDefault("tests", List.of())) {
                    if (declared instanceof String kind) {
                        tests.add(new Test(name, kind + "_" + columnName, "test-" + kind.replace('_', '-'), identifiers, List.of()));
                        continue;
                    }
                    Map<String, Object> definition = (Map<String, Object>) declared;
                    if (definition.containsKey("accepted_values")) {
                        List<String> values = ((Map<String, List<Object>>) definition.get("accepted_values")).get("values")
                                .stream().map(String::valueOf).toList();
                        Map<String, String> withValues = new HashMap<>(identifiers);
                        withValues.put("values", values.stream().map(v -> "?").collect(Collectors.joining(", ")));
                        tests.add(new Test(name, "accepted_values_" + columnName, "test-accepted-values", withValues, values));
                    } else if (definition.containsKey("relationships")) {
                        Map<String, String> relationship = (Map<String, String>) definition.get("relationships");
                        Map<String, String> withParent = new HashMap<>(identifiers);
                        withParent.put("parent", dialect.quote(dialect.martsSchema()) + "." + dialect.quote(relationship.get("to")));
                        withParent.put("field", dialect.quote(relationship.get("field")));
                        tests.add(new Test(name, "relationships_" + columnName + "_" + relationship.get("to"),
                                "test-relationships", withParent, List.of()));
                    } else {
                        throw new IllegalArgumentException("unknown data test " + definition + " on " + name + "." + columnName);
                    }
                }
            }
        }
        for (Map<String, Object> pair : (List<Map<String, Object>>) schema.getOrDefault("reconciliation", List.of())) {
            Map<String, String> sourceSide = (Map<String, String>) pair.get("source");
            Map<String, String> martSide = (Map<String, String>) pair.get("mart");
            if (sourceTable(sourceSide.get("table")) == null) {
                continue;
            }
            reconciliations.add(new Reconciliation((String) pair.get("name"), martSide.get("model"),
                    sourceSide.get("table"), sourceTable(sourceSide.get("table")), sourceSide.get("key"), martSide.get("key"), martSide.get("where"),
                    (String) pair.get("measure")));
        }
    }
}
