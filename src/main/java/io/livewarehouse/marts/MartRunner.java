package io.livewarehouse.marts;

import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.support.StatementCache;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One refresh cycle of the marts, called by the {@code marts-refresh} timer route: first the current state
 * of every staging table ({@code marts.cur_<table>}), then the declared models in dependency order.
 *
 * <p>Each model reads only the staging rows loaded since its watermark, up to the newest load time seen when
 * the cycle began, and moves its watermark in the same transaction as its changes: a crash at any point
 * leaves either both or neither, so no change is skipped or applied twice. A failing model is rolled back and
 * logged, and the models that read it wait for the next cycle; the others go on. Where DDL is transactional
 * the cycle is first tried as one transaction ({@link #runCycle}).
 */
@ApplicationScoped
@Named("martRunner")
public class MartRunner {

    private static final Logger LOG = Logger.getLogger(MartRunner.class);

    private final Warehouse warehouse;
    private final MeterRegistry registry;
    private final CurrentState currentState;
    private final ModelSet models;
    /** Per model, the end of the last window in which it changed rows: what its dependents look at. */
    private final Map<String, OffsetDateTime> lastChange = new java.util.HashMap<>();
    /**
     * The first cycle's reading limit in this process. A model not seen changing since the process started
     * may have changed before it, unseen by its readers: it counts as changed at the first cycle, so every
     * reader runs once then, and afterwards only when it really changes. (Taking the current cycle's limit
     * instead made such a model look changed in every cycle, and all its readers ran every time.)
     */
    private OffsetDateTime firstThrough;
    private volatile OffsetDateTime lastCycleAt;
    private volatile OffsetDateTime appliedSourceCommit;
    private volatile List<String> lastFailures = List.of();
    /** Counts the cycles that changed a model: what a dashboard polls to know that the marts moved. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private volatile OffsetDateTime lastChangedAt;
    /**
     * What the cycles since the last one that returned changed: set when models committed changes, kept when
     * the cycle then failed (its changes are committed), and reported by the next cycle that returns.
     */
    private MartsChanged cycleChanged;
    private final ModelRunLog runLog;
    private final ModelExecution execution;

    private final WarehouseSetup setup;
    private final io.livewarehouse.staging.StagingWriter staging;
    /**
     * The staging writer's commit count when the last settled cycle (no model failed or waited) began; -1
     * when none did. While it stands, nothing new is in staging and a cycle need not ask the warehouse.
     */
    private long settledAtCommits = -1;
    /** Whether the cycle that just ran left every model applied (none failed, none waiting for an input). */
    private boolean settled;
    /** A cycle that found no staging table, or nothing in them. */
    private static final Cycle NOTHING_STAGED = new Cycle(true, Set.of(), null, false, null);
    /** The models that changed rows in the current one-transaction attempt (see {@link #runCycle}). */
    private final Set<String> attemptChanged = new HashSet<>();
    /** Whether cycles run model by model until one is clean, after one whose single transaction failed. */
    private boolean modelByModel;
    /**
     * What the last cycle found staged (StagingCatalog.newest): the next reads each table from there on.
     * Forgotten with the statements, so that after a failure or a rebuild staging is read whole again.
     */
    private StagingCatalog.Newest knownNewest;
    /** The cycle's connection and prepared statements, open between cycles; null after a failure. */
    private StatementCache statements;

    /**
     * What a cycle changed (committed): the models that changed rows, and when. The {@code marts-refresh} route
     * hands it on to {@code direct:marts-changed} (routes/marts.yaml), where the Parquet exports pick it up.
     */
    public record MartsChanged(Set<String> models, OffsetDateTime at) {
    }


    public MartRunner(Warehouse warehouse, WarehouseSetup setup, MeterRegistry registry, MartFiles files,
                      io.livewarehouse.config.SourceSettings source, io.livewarehouse.staging.StagingWriter staging) {
        this.warehouse = warehouse;
        this.setup = setup;
        this.staging = staging;
        this.registry = registry;
        this.runLog = new ModelRunLog(warehouse.dialect());
        this.execution = new ModelExecution(warehouse.dialect(), registry, runLog);
        this.currentState = new CurrentState(warehouse.dialect());
        this.models = new ModelSet(files, warehouse.dialect(), source.tables().stream().map(String::trim)
                .map(table -> table.substring(table.indexOf('.') + 1)).collect(java.util.stream.Collectors.toSet()));
        io.micrometer.core.instrument.Gauge.builder("pipeline.marts.freshness", this, MartRunner::freshnessSeconds)
                .description("Seconds between now and the newest source commit every mart has applied")
                .baseUnit("seconds").register(registry);
    }

    /** Seconds since the newest source commit that every model has applied (NaN before the first cycle). */
    public double freshnessSeconds() {
        OffsetDateTime applied = appliedSourceCommit;
        return applied == null ? Double.NaN
                : java.time.Duration.between(applied, OffsetDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
    }

    public OffsetDateTime appliedSourceCommit() {
        return appliedSourceCommit;
    }

    public OffsetDateTime lastCycleAt() {
        return lastCycleAt;
    }

    /** Models that failed or were skipped in the last cycle. */
    public List<String> lastFailures() {
        return lastFailures;
    }

    /** How many cycles have changed a model since the process started. */
    public long changes() {
        return changes.get();
    }

    /** When a cycle last changed a model (null before the first). */
    public OffsetDateTime lastChangedAt() {
        return lastChangedAt;
    }

    /** A declared model's key columns, as its header says ({@code -- key:}), or null for no such model. */
    public String modelKey(String name) {
        return models.key(name);
    }

    /** Declared models that do not run because they read source tables that are not captured. */
    public List<String> notApplicable() {
        return models.notApplicable();
    }

    /** The models in the order a cycle runs them (those that apply to the captured tables). */
    public List<String> modelNames() {
        return models.names();
    }

    /**
     * One incremental cycle; called by the {@code marts-refresh} timer route and on demand.
     *
     * @return what it changed, or null when no model changed rows
     */
    public synchronized MartsChanged refresh() throws SQLException {
        return refresh(false);
    }

    /**
     * The timer's cycle (routes/marts.yaml): as {@link #refresh()}, except that when this process has staged
     * nothing since a cycle that applied everything it sends the warehouse no statement at all, so an idle
     * pipeline lets a Snowflake warehouse suspend (docs/snowflake.md, Cost). An edited model, a failed or
     * waiting model, a rebuild or a restart make the next cycle run. POST /pipeline/marts/refresh always runs.
     */
    public synchronized MartsChanged refreshScheduled() throws SQLException {
        return refresh(true);
    }

    private MartsChanged refresh(boolean skipWhenIdle) throws SQLException {
        setup.ensure();
        boolean reloaded = reloadIfChanged();
        long commits = staging.commits();
        if (skipWhenIdle && !reloaded && commits == settledAtCommits) {
            lastCycleAt = OffsetDateTime.now(ZoneOffset.UTC);
            return null;
        }
        boolean clean = false;
        settled = false;
        // Until this cycle ends settled, the next timer's cycle runs (a failure here must not leave it skipping).
        settledAtCommits = -1;
        try {
            clean = runCycle();
            settledAtCommits = clean && settled ? commits : -1;
            MartsChanged changed = cycleChanged;
            cycleChanged = null;
            return changed;
        } finally {
            if (!clean) {
                // After a failure nothing prepared or remembered is trusted: the next cycle starts afresh.
                forgetStatements();
            }
        }
    }

    /**
     * The cycle, in one transaction where the warehouse's DDL is transactional (DuckDB): one commit instead of
     * one per model, and each commit is a synced write of the warehouse's log (3-6 ms on DuckDB here; thirty
     * one-change cycles at scale 10 took 140 ms at the median this way, 190 ms model by model). When any model
     * fails, the whole cycle rolls back and runs again model by model, each in its own transaction, so that a
     * failure holds back only the models that read the failing one. Watermarks commit with the changes they
     * cover either way. What the rolled-back attempt noted as changed ({@code lastChange}) stays: that can
     * only make a reader run, never skip. One commit may come early: an incremental model that creates or
     * widens its table commits the models before it and that table first (IncrementalMerge), never a model's
     * changes without its watermark.
     */
    private boolean runCycle() throws SQLException {
        StatementCache statements = statements();
        if (!warehouse.dialect().transactionalDdl() || modelByModel) {
            Cycle cycle = cycle(statements, false);
            publish(cycle);
            // After a cycle that needed the rerun, cycles go model by model until one is clean: a model that
            // keeps failing would otherwise make every cycle run twice.
            modelByModel = modelByModel && !cycle.clean();
            return cycle.clean();
        }
        Connection connection = statements.connection();
        attemptChanged.clear();
        try {
            connection.setAutoCommit(false);
            Cycle cycle = cycle(statements, true);
            execution.cycleCommitting(statements);
            connection.commit();
            connection.setAutoCommit(true);
            execution.cycleCommitted();
            // Published only now: readiness and the freshness gauge must not claim what a failed commit undid.
            publish(cycle);
            return true;
        } catch (SQLException | RuntimeException e) {
            execution.cycleRolledBack();
            try {
                connection.rollback();
            } catch (SQLException ended) {
                LOG.debugf("Nothing to roll back after the cycle failed: %s", ended.getMessage());
            }
            LOG.debugf("A model failed in the cycle's transaction (%s); running the models one by one", e.getMessage());
            // The tables it created and the columns it widened went with the rollback: nothing cached is trusted.
            forgetStatements();
            modelByModel = true;
            Cycle cycle = cycle(statements(), false);
            // An incremental model that created or widened its table committed the cycle so far (IncrementalMerge):
            // models changed before that are committed, and the rerun finds nothing left for them. They are
            // reported as changed all the same (reporting a model that did not change only costs an export).
            Set<String> changed = new java.util.TreeSet<>(cycle.changedModels());
            changed.addAll(attemptChanged);
            publish(new Cycle(cycle.clean(), changed, cycle.failed(), cycle.settled(), cycle.applied()));
            modelByModel = !cycle.clean();
            return cycle.clean();
        }
    }

    /**
     * What a cycle found, published by {@link #publish} once its changes are committed ({@code failed} is null
     * for {@link #NOTHING_STAGED}: nothing to publish).
     */
    private record Cycle(boolean clean, Set<String> changedModels, List<String> failed, boolean settled,
                         OffsetDateTime applied) {
    }

    /** Makes a finished cycle's outcome visible: readiness, the freshness gauge, the exports' change set. */
    private void publish(Cycle cycle) {
        if (cycle.failed() == null) {
            return;
        }
        lastCycleAt = OffsetDateTime.now(ZoneOffset.UTC);
        if (!cycle.changedModels().isEmpty()) {
            lastChangedAt = lastCycleAt;
            changes.incrementAndGet();
            Set<String> changedModels = new java.util.TreeSet<>(cycle.changedModels());
            if (cycleChanged != null) {
                changedModels.addAll(cycleChanged.models());
            }
            cycleChanged = new MartsChanged(Set.copyOf(changedModels), lastCycleAt);
        }
        lastFailures = cycle.failed();
        settled = cycle.settled();
        if (cycle.settled()) {
            appliedSourceCommit = cycle.applied();
        }
    }

    /**
     * One cycle over the cached connection; false when a model failed. {@code inOneTransaction}: inside the
     * transaction {@link #runCycle} opened, where the first failure is thrown as it is.
     */
    private Cycle cycle(StatementCache statements, boolean inOneTransaction) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Connection connection = statements.connection();
        // The tables staging has (recorded with their keys as the writer creates them), and how far each is
        // loaded: this cycle reads staging up to the newest load time there now, and no further.
        Map<String, List<String>> keys = currentState.keyColumns(connection);
        List<String> stagingTables = List.copyOf(keys.keySet());
        if (stagingTables.isEmpty()) {
            return NOTHING_STAGED;
        }
        StagingCatalog.Newest newest = StagingCatalog.newest(dialect,
                statements.prepare(StagingCatalog.newestSql(dialect, stagingTables)), stagingTables, knownNewest);
        knownNewest = newest;
        Map<String, OffsetDateTime> newestLoads = newest.loads();
        OffsetDateTime through = StagingCatalog.newest(newestLoads);
        if (through == null) {
            return NOTHING_STAGED;
        }
        if (firstThrough == null) {
            firstThrough = through;
        }
        currentState.adoptEarlierNames(connection, stagingTables, Set.copyOf(modelNames()));
        if (inOneTransaction) {
            // A rename there commits on its own (before any change of this cycle) and ends the transaction.
            connection.setAutoCommit(false);
        }
        Map<String, OffsetDateTime> watermarks = runLog.watermarks(statements);
        Set<String> changedModels = new java.util.TreeSet<>();
        Set<String> failed = new HashSet<>();
        Set<String> waiting = new HashSet<>();
        Set<String> declared = Set.copyOf(modelNames());
        long currentStateRows = 0;
        for (String table : stagingTables) {
            List<String> key = keys.get(table);
            if (key == null || key.isEmpty()) {
                continue;
            }
            currentStateRows += Math.max(0, execution.run(statements, watermarks, CurrentState.PREFIX + table, through,
                    newestLoads.get(table), failed, (c, from, to) -> currentState.apply(c, table, key, from, to), inOneTransaction));
        }
        // How many source rows changed in this window: what the incremental models' MERGE is planned for.
        boolean fewChanges = currentStateRows <= IncrementalMerge.FEW_CHANGES;
        ModelSet.Materializations materializations = models.materializations();
        for (MartModel model : models.models()) {
            List<String> failedInputs = model.inputs().stream().filter(failed::contains).toList();
            if (!failedInputs.isEmpty()) {
                failed.add(model.name());
                runLog.record(statements, model.name(), OffsetDateTime.now(ZoneOffset.UTC), null, null, 0, "skipped",
                        "inputs not refreshed this cycle: " + failedInputs);
                continue;
            }
            // During the first snapshot some source tables have no staging table yet: wait for them quietly.
            if (ModelInputs.missing(model, waiting, declared, stagingTables)) {
                waiting.add(model.name());
                continue;
            }
            // A model whose inputs have not changed since its watermark has nothing to do: the cost of a
            // cycle follows the changes, not the number of models.
            OffsetDateTime newestInput = ModelInputs.newest(model, declared, lastChange, firstThrough, newestLoads);
            long rows = execution.run(statements, watermarks, model.name(), through, newestInput, failed,
                    (c, from, to) -> execution.execute(c, model, materializations, from, to, fewChanges), inOneTransaction);
            if (rows > 0) {
                lastChange.put(model.name(), through);
                changedModels.add(model.name());
                if (inOneTransaction) {
                    attemptChanged.add(model.name());
                }
            }
        }
        boolean cycleSettled = failed.isEmpty() && waiting.isEmpty();
        // Every model has now applied everything staged up to `through`: the rows the cycle's first statement
        // saw, whose newest source commit it read then. (A row staged since, whatever its load time, is not
        // counted: what is claimed applied can only be older than what is, never newer.)
        OffsetDateTime applied = cycleSettled ? newest.sourceCommit() : null;
        return new Cycle(failed.isEmpty(), changedModels, List.copyOf(failed), cycleSettled, applied);
    }

    /** The cycle's connection and statements, kept between cycles (see {@link StatementCache}). */
    private StatementCache statements() throws SQLException {
        if (statements == null) {
            statements = new StatementCache(warehouse.connect());
        }
        return statements;
    }

    /** Closes the cycle's connection and forgets every cached statement, table definition and column list. */
    private void forgetStatements() {
        knownNewest = null;
        if (statements != null) {
            statements.close();
            statements = null;
        }
        execution.forget();
        currentState.forget();
        models.materializations().incremental().forget();
        models.materializations().scd2().forget();
    }

    @PreDestroy
    synchronized void close() {
        forgetStatements();
    }

    /**
     * Rebuilds every mart from all of staging: drops the current-state tables and the models' tables with
     * their watermarks (one transaction where the warehouse allows DDL in one), then runs a cycle. For a
     * changed model's logic, and to compare an incremental refresh with a full one.
     */
    public synchronized MartsChanged rebuild() throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        setup.ensure();
        try (Connection connection = warehouse.connect()) {
            List<String> tables = new ArrayList<>(modelNames());
            java.util.Collections.reverse(tables);
            for (String table : StagingCatalog.tables(connection, dialect)) {
                tables.add(CurrentState.PREFIX + table);
            }
            runLog.dropWithWatermarks(connection, tables);
        }
        settledAtCommits = -1;
        lastChange.clear();
        firstThrough = null;
        forgetStatements();
        LOG.infof("Marts dropped for a full rebuild from staging");
        return refresh();
    }

    /**
     * Reads the models again when their files changed (only with pipeline.marts.models-dir, as in dev mode):
     * an edited model takes effect in this cycle. A model that no longer parses is reported and the cycle
     * goes on with the models as they were.
     */
    private boolean reloadIfChanged() {
        if (models.reloadIfChanged()) {
            forgetStatements();
            return true;
        }
        return false;
    }

    /** Runs {@code work} between two cycles: no model changes while it runs (the data tests' reconciliation). */
    public synchronized <T> T whilePaused(java.util.concurrent.Callable<T> work) throws SQLException {
        try {
            return work.call();
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException(e);
        }
    }

    /** Simulates a crash in the given model between its changes and its watermark (tests only). */
    void crashAfterChangesOf(String model) {
        execution.crashAfterChangesOf(model);
    }

    /** How far the model has read staging (load time), or null when it has never run. */
    OffsetDateTime watermark(Connection connection, String model) throws SQLException {
        return runLog.watermark(connection, model);
    }
}
