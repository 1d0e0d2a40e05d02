package io.livewarehouse.marts;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingWriter;
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
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The data tests declared beside the models in {@code marts/models/*.yml}: unique, not_null,
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

    private final Warehouse warehouse;
    private final MartRunner marts;
    private final TestCatalog catalog;
    private final SourceReconciliation reconciliation;
    private volatile List<Result> lastResults = List.of();
    private volatile OffsetDateTime lastRunAt;

    private final WarehouseSetup setup;
    private final StagingWriter staging;
    private final MartFiles files;
    /** Per freshness-checked table, its newest staged change as the last run found it. */
    private volatile Map<String, OffsetDateTime> newestChanges = Map.of();
    /** The staging writer's commit count and the model files' version when the last clean run began. */
    private long cleanAtCommits = -1;
    private String cleanAtFiles;

    public DataTests(Warehouse warehouse, WarehouseSetup setup, SourceConnections source, MartRunner marts,
                     StagingWriter writer, MeterRegistry registry, MartFiles files,
                     PipelineSettings settings) {
        this.warehouse = warehouse;
        this.setup = setup;
        this.marts = marts;
        this.staging = writer;
        this.files = files;
        this.catalog = new TestCatalog(files, warehouse.dialect(), source.settings().tables());
        this.reconciliation = new SourceReconciliation(warehouse, source, writer, marts, Duration.ofMillis(settings.quality().catchUpTimeoutMs()));
        Gauge.builder("pipeline.data.tests.failing", this, dataTests -> dataTests.failing().size())
                .description("Data tests failing in the last run").register(registry);
    }

    /** Runs every declared test, and the reconciliations when {@code reconcile} is true. */
    public synchronized List<Result> run(boolean reconcile) throws SQLException {
        catalog.refresh();
        OffsetDateTime runAt = OffsetDateTime.now(ZoneOffset.UTC);
        List<Result> results = new ArrayList<>();
        WarehouseDialect dialect = warehouse.dialect();
        setup.ensure();
        try (Connection marts = warehouse.connect()) {
            try {
                for (TestCatalog.Test test : applicable(catalog.tests(), TestCatalog.Test::model)) {
                    results.add(runTest(marts, test));
                }
                Map<String, OffsetDateTime> newest = new java.util.HashMap<>();
                results.addAll(SourceFreshness.run(marts, dialect, catalog.freshness(), runAt, newest));
                newestChanges = newest;
                List<TestCatalog.Reconciliation> pairs = applicable(catalog.reconciliations(), TestCatalog.Reconciliation::model);
                if (reconcile && !pairs.isEmpty()) {
                    results.addAll(this.marts.whilePaused(() -> reconciliation.reconcile(marts, pairs)));
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
    public synchronized void runScheduled() throws SQLException {
        long commits = staging.commits();
        String version = files.version();
        if (commits == cleanAtCommits && version.equals(cleanAtFiles)) {
            // Nothing staged since a run in which every test passed: the marts and staging are as they were,
            // so no statement (an idle Snowflake warehouse can suspend); only the sources' freshness moves on,
            // judged from the newest changes that run found.
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            List<Result> results = new ArrayList<>(lastResults.stream()
                    .filter(result -> !isFreshness(result)).toList());
            results.addAll(SourceFreshness.rejudge(catalog.freshness(), newestChanges, now));
            lastResults = List.copyOf(results);
            lastRunAt = now;
            if (!failing().isEmpty()) {
                cleanAtCommits = -1;
                LOG.warnf("Data tests failing: %s", failing().stream().map(r -> r.model() + "." + r.test()).toList());
            }
            return;
        }
        cleanAtCommits = -1;
        List<Result> results = run(true);
        boolean clean = results.stream().allMatch(result -> "passed".equals(result.status()) || "warn".equals(result.status()));
        cleanAtCommits = clean ? commits : -1;
        cleanAtFiles = version;
    }

    private static boolean isFreshness(Result result) {
        return "freshness".equals(result.test()) && result.model().startsWith(SourceFreshness.MODEL_PREFIX);
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

    private Result runTest(Connection marts, TestCatalog.Test test) {
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

    /** The tests (or reconciliations) of models that run on the captured tables. */
    private <T> List<T> applicable(List<T> declared, java.util.function.Function<T, String> model) {
        List<String> running = marts.modelNames();
        return declared.stream().filter(item -> running.contains(model.apply(item))).toList();
    }
}
