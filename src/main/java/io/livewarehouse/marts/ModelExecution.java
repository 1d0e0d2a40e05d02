package io.livewarehouse.marts;

import io.livewarehouse.support.StatementCache;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one model over its window, staging rows loaded in (watermark, through], in one transaction with its
 * watermark and its run-log row: a crash at any point leaves both or neither, so no change is skipped or
 * applied twice. A failing model is rolled back and logged. Used on the mart runner's cycle thread.
 *
 * <p>The transaction is the model's own, or the whole cycle's ({@code inCycle}): where DDL is
 * transactional (DuckDB) the runner first tries every model of a cycle in one transaction, one commit
 * instead of one per model, and reruns the cycle model by model only when one fails.
 */
final class ModelExecution {

    private static final Logger LOG = Logger.getLogger(ModelExecution.class);
    static final OffsetDateTime BEGINNING = OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    private static final Pattern WINDOW = Pattern.compile(":loaded_(from|through)\\b");
    /**
     * A model's idempotent definition ({@code create table if not exists ...}), run once per process. Any other
     * statement runs every cycle, a {@code create or replace table ... as select} (a model rebuilt whole) too.
     */
    private static final Pattern DEFINITION = Pattern.compile("\\s*create\\s[^;(]*?\\bif\\s+not\\s+exists\\b",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** Applies one model's changes inside the transaction the runner opened. */
    @FunctionalInterface
    interface ModelWork {
        long apply(StatementCache statements, OffsetDateTime from, OffsetDateTime through) throws SQLException;
    }

    private final WarehouseDialect dialect;
    private final MeterRegistry registry;
    private final ModelRunLog log;
    /** Models whose tables this process has created (or found): their CREATE statements are not run again. */
    private final Set<String> created = new HashSet<>();
    /** The metrics of the models run in the cycle's open transaction, recorded when it commits. */
    private final List<Runnable> uncommitted = new ArrayList<>();
    /** Test hook: the model after whose changes (and before whose watermark) a simulated crash happens. */
    private volatile String crashAfterChangesOf;

    ModelExecution(WarehouseDialect dialect, MeterRegistry registry, ModelRunLog log) {
        this.dialect = dialect;
        this.registry = registry;
        this.log = log;
    }

    /** The connection was closed: every model's definition runs again at its next run, no pending run is kept. */
    void forget() {
        created.clear();
        // Whatever the connection's transaction held went with it: no run of it is recorded later.
        uncommitted.clear();
        log.discardDeferred();
    }

    void crashAfterChangesOf(String model) {
        crashAfterChangesOf = model;
    }

    /**
     * Runs one model (or current-state table) over (watermark, through] unless its newest input is not past
     * its watermark. Returns the rows it changed, 0 when it had nothing to do, -1 when it failed.
     *
     * <p>{@code inCycle} false: in a transaction of its own, committed here; a failure is rolled back, added to
     * {@code failed} and logged. {@code inCycle} true: inside the cycle's open transaction, which the runner
     * commits; a failure is thrown as it is (the runner rolls the cycle back and reruns it model by model,
     * which logs it) and the run's metrics wait for the commit ({@link #cycleCommitted}).
     */
    long run(StatementCache statements, Map<String, OffsetDateTime> watermarks, String model,
             OffsetDateTime through, OffsetDateTime newestInput, Set<String> failed, ModelWork work,
             boolean inCycle) throws SQLException {
        Connection connection = statements.connection();
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        long startNanos = System.nanoTime();
        OffsetDateTime stored = watermarks.get(model);
        OffsetDateTime from = stored == null ? BEGINNING : stored;
        if (!through.isAfter(from) || (newestInput != null && !newestInput.isAfter(from))) {
            return 0;
        }
        if (!inCycle) {
            connection.setAutoCommit(false);
        }
        try {
            long rows = work.apply(statements, from, through);
            if (model.equals(crashAfterChangesOf)) {
                // In the cycle's transaction the hook stays for the rerun model by model, where the simulated
                // crash happens again and is logged.
                if (!inCycle) {
                    crashAfterChangesOf = null;
                }
                throw new SQLException("simulated crash between the changes and the watermark of " + model);
            }
            long nanos = System.nanoTime() - startNanos;
            if (inCycle) {
                // The watermark and the run log row are written with every other model's, before the cycle's
                // transaction commits (ModelRunLog.writeDeferred).
                log.defer(model, started, from, through, rows);
                uncommitted.add(() -> recordRun(model, rows, nanos));
            } else {
                log.moveWatermark(statements, model, through);
                // The run log row commits with the changes it describes.
                log.record(statements, model, started, from, through, rows, "ok", null);
                connection.commit();
                connection.setAutoCommit(true);
                recordRun(model, rows, nanos);
            }
            watermarks.put(model, through);
            return rows;
        } catch (SQLException | RuntimeException e) {
            if (inCycle) {
                throw e;
            }
            // A failed commit has already ended the transaction (DuckDB: "no transaction is active").
            try {
                connection.rollback();
            } catch (SQLException ended) {
                LOG.debugf("Nothing to roll back after %s failed: %s", model, ended.getMessage());
            }
            connection.setAutoCommit(true);
            failed.add(model);
            registry.counter("pipeline.mart.failures", "model", model).increment();
            LOG.warnf("Mart model %s failed and was rolled back; models that read it wait for the next cycle: %s",
                    model, e.getMessage());
            log.record(statements, model, started, from, through, 0, "failed", e.getMessage());
            return -1;
        }
    }

    /** The cycle's transaction is about to commit: the watermarks and run-log rows of its models go first. */
    void cycleCommitting(StatementCache statements) throws SQLException {
        log.writeDeferred(statements);
    }

    /** The cycle's transaction committed: its models' runs count in the metrics. */
    void cycleCommitted() {
        uncommitted.forEach(Runnable::run);
        uncommitted.clear();
    }

    /** The cycle's transaction rolled back: its runs did not happen (the rerun counts them). */
    void cycleRolledBack() {
        uncommitted.clear();
        log.discardDeferred();
    }

    private void recordRun(String model, long rows, long nanos) {
        Timer.builder("pipeline.mart.refresh").tag("model", model)
                .description("Duration of a model's incremental refresh").register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        registry.counter("pipeline.mart.rows", "model", model).increment(rows);
    }

    /**
     * A declared model's statements over the window; a materialized one (scd2, incremental) through its own.
     * {@code fewChanges}: the window changed few source rows ({@link IncrementalMerge#FEW_CHANGES}).
     */
    long execute(StatementCache statements, MartModel model, ModelSet.Materializations materializations,
                 OffsetDateTime from, OffsetDateTime through, boolean fewChanges) throws SQLException {
        Connection connection = statements.connection();
        if (model.isSlowlyChanging() || model.isIncremental()) {
            List<OffsetDateTime> binds = new ArrayList<>();
            String select = bindWindow(model.statements().get(0), from, through, binds);
            return model.isSlowlyChanging() ? materializations.scd2().apply(connection, model, select, binds, through)
                    : materializations.incremental().apply(statements, model, select, binds, through, fewChanges,
                            // A new table commits the cycle so far: with the watermarks of the models before it.
                            () -> log.writeDeferred(statements));
        }
        long rows = 0;
        boolean tablesExist = created.contains(model.name());
        for (String statement : model.statements()) {
            if (DEFINITION.matcher(statement).lookingAt()) {
                // A model's CREATE TABLE IF NOT EXISTS runs at its first run in this process, not every cycle.
                if (!tablesExist) {
                    try (java.sql.Statement ddl = connection.createStatement()) {
                        ddl.execute(statement);
                    }
                }
                continue;
            }
            List<OffsetDateTime> binds = new ArrayList<>();
            PreparedStatement prepared = statements.prepare(bindWindow(statement, from, through, binds));
            for (int i = 0; i < binds.size(); i++) {
                dialect.bind(prepared, i + 1, binds.get(i));
            }
            prepared.execute();
            rows += Math.max(0, prepared.getUpdateCount());
        }
        created.add(model.name());
        return rows;
    }

    /** Replaces {@code :loaded_from} and {@code :loaded_through} with ? and adds their values to {@code binds}. */
    static String bindWindow(String statement, OffsetDateTime from, OffsetDateTime through, List<OffsetDateTime> binds) {
        Matcher window = WINDOW.matcher(statement);
        StringBuilder sql = new StringBuilder();
        while (window.find()) {
            binds.add("from".equals(window.group(1)) ? from : through);
            window.appendReplacement(sql, "?");
        }
        window.appendTail(sql);
        return sql.toString();
    }
}
