package io.livewarehouse.marts;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    private record Reconciliation(String model, String name, String sourceSql, String martSql) {
    }

    private final Warehouse warehouse;
    private final SourceConnections source;
    private final List<Test> tests = new ArrayList<>();
    private final List<Reconciliation> reconciliations = new ArrayList<>();
    /** Reconciliation values that differed last time: a mismatch counts as failed only when it lasts. */
    private final Map<String, String> lastMismatch = new HashMap<>();
    private volatile List<Result> lastResults = List.of();
    private volatile OffsetDateTime lastRunAt;

    private final WarehouseSetup setup;

    public DataTests(Warehouse warehouse, WarehouseSetup setup, SourceConnections source, MeterRegistry registry) {
        this.warehouse = warehouse;
        this.setup = setup;
        this.source = source;
        declare(warehouse.dialect());
        Gauge.builder("pipeline.data.tests.failing", this, dataTests -> dataTests.failing().size())
                .description("Data tests failing in the last run").register(registry);
    }

    /** Runs every declared test, and the reconciliations when {@code reconcile} is true. */
    public synchronized List<Result> run(boolean reconcile) throws SQLException {
        OffsetDateTime runAt = OffsetDateTime.now(ZoneOffset.UTC);
        List<Result> results = new ArrayList<>();
        WarehouseDialect dialect = warehouse.dialect();
        setup.ensure();
        try (Connection marts = warehouse.connect()) {
            for (Test test : tests) {
                results.add(runTest(marts, test));
            }
            if (reconcile) {
                for (Reconciliation reconciliation : reconciliations) {
                    results.add(reconcile(marts, reconciliation));
                }
            }
            try (PreparedStatement insert = marts.prepareStatement(dialect.statement("insert-data-test-result"))) {
                for (Result result : results) {
                    insert.setObject(1, runAt);
                    insert.setString(2, result.model());
                    insert.setString(3, result.test());
                    insert.setString(4, result.status());
                    insert.setObject(5, result.failingRows());
                    insert.setString(6, result.detail());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        lastResults = List.copyOf(results);
        lastRunAt = runAt;
        List<Result> failing = failing();
        if (!failing.isEmpty()) {
            LOG.warnf("Data tests failing: %s", failing.stream().map(r -> r.model() + "." + r.test()).toList());
        }
        return results;
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

    private Result reconcile(Connection marts, Reconciliation reconciliation) {
        try (Connection connection = source.open()) {
            String expected = single(connection, reconciliation.sourceSql());
            String actual = single(marts, reconciliation.martSql());
            String detail = "source " + expected + ", marts " + actual;
            if (Objects.equals(expected, actual)) {
                lastMismatch.remove(reconciliation.name());
                return new Result(reconciliation.model(), "reconcile_" + reconciliation.name(), "passed", 0L, detail);
            }
            // Changes in flight make a single mismatch normal; the same mismatch twice is not.
            String previous = lastMismatch.put(reconciliation.name(), detail);
            String status = detail.equals(previous) ? "failed" : "pending";
            return new Result(reconciliation.model(), "reconcile_" + reconciliation.name(), status, 1L, detail);
        } catch (SQLException e) {
            return new Result(reconciliation.model(), "reconcile_" + reconciliation.name(), "error", null, e.getMessage());
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            Object value = row.getObject(1);
            return value instanceof java.math.BigDecimal decimal ? decimal.stripTrailingZeros().toPlainString()
                    : String.valueOf(value);
        }
    }

    @SuppressWarnings("unchecked")
    private void declare(WarehouseDialect dialect) {
        Map<String, Object> schema = ModelCatalog.schema();
        for (Map<String, Object> model : (List<Map<String, Object>>) schema.get("models")) {
            String name = (String) model.get("name");
            String table = dialect.quote("marts") + "." + dialect.quote(name);
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
                        withParent.put("parent", dialect.quote("marts") + "." + dialect.quote(relationship.get("to")));
                        withParent.put("field", dialect.quote(relationship.get("field")));
                        tests.add(new Test(name, "relationships_" + columnName + "_" + relationship.get("to"),
                                "test-relationships", withParent, List.of()));
                    } else {
                        throw new IllegalArgumentException("unknown data test " + definition + " on " + name + "." + columnName);
                    }
                }
            }
        }
        for (Map<String, String> pair : (List<Map<String, String>>) schema.getOrDefault("reconciliation", List.of())) {
            reconciliations.add(new Reconciliation(pair.get("model"), pair.get("name"), pair.get("source"), pair.get("mart")));
        }
    }
}
