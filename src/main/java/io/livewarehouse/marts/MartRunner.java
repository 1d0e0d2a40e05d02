package io.livewarehouse.marts;

import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.support.StatementCache;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.livewarehouse.warehouse.WarehouseSetup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
 * One refresh cycle of the marts, called by the {@code marts-refresh} timer route: first the current state
 * of every staging table ({@code marts.int_<table>}), then the declared models in dependency order.
 *
 * <p>Each model reads only the staging rows loaded since its watermark, up to the newest load time seen when
 * the cycle began, and moves its watermark in the same transaction as its changes: a crash at any point
 * leaves either both or neither, so no change is skipped or applied twice. A failing model is rolled back and
 * logged, and the models that read it wait for the next cycle; the others go on.
 */
@ApplicationScoped
@Named("martRunner")
public class MartRunner {

    private static final Logger LOG = Logger.getLogger(MartRunner.class);
    private static final OffsetDateTime BEGINNING = OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
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

    private final Warehouse warehouse;
    private final MeterRegistry registry;
    private final CurrentState currentState;
    private final MartFiles files;
    private volatile List<MartModel> models;
    private volatile SlowlyChangingDimension slowlyChanging;
    private String filesVersion;
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
    private final jakarta.enterprise.event.Event<MartsChanged> changed;
    /** Test hook: the model after whose changes (and before whose watermark) a simulated crash happens. */
    private volatile String crashAfterChangesOf;

    private final WarehouseSetup setup;
    /** The cycle's connection and prepared statements, open between cycles; null after a failure. */
    private StatementCache statements;
    /** Models whose tables this process has created (or found): their CREATE statements are not run again. */
    private final Set<String> created = new HashSet<>();

    /** Fired after a cycle in which models changed rows (committed), with their names. */
    public record MartsChanged(Set<String> models, OffsetDateTime at) {
    }

    /** The captured source tables, by name: which models apply (see {@link ModelCatalog#applicable}). */
    private final Set<String> capturedTables;
    /** Declared models that do not apply to the captured tables. */
    private volatile List<String> notApplicable = List.of();

    public MartRunner(Warehouse warehouse, WarehouseSetup setup, MeterRegistry registry, MartFiles files,
                      jakarta.enterprise.event.Event<MartsChanged> changed, io.livewarehouse.source.SourceSettings source) {
        this.capturedTables = source.tables().stream().map(String::trim)
                .map(table -> table.substring(table.indexOf('.') + 1)).collect(java.util.stream.Collectors.toSet());
        this.warehouse = warehouse;
        this.changed = changed;
        this.setup = setup;
        this.registry = registry;
        this.currentState = new CurrentState(warehouse.dialect());
        this.files = files;
        this.filesVersion = files.version();
        this.models = applicable(ModelCatalog.load(files, warehouse.dialect()));
        this.slowlyChanging = new SlowlyChangingDimension(files, warehouse.dialect());
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
        return models.stream().filter(model -> model.name().equals(name)).map(MartModel::key).findFirst().orElse(null);
    }

    /** The models that apply to the captured tables; the others are named once in the log and in status. */
    private List<MartModel> applicable(List<MartModel> declared) {
        List<MartModel> applicable = ModelCatalog.applicable(declared, capturedTables);
        List<String> others = declared.stream().map(MartModel::name)
                .filter(name -> applicable.stream().noneMatch(model -> model.name().equals(name))).toList();
        if (!others.isEmpty() && !others.equals(notApplicable)) {
            LOG.infof("Marts: %d of %d models read source tables that are not captured (pipeline.source.tables) and do "
                    + "not run: %s. The current state of every captured table is kept in marts.int_<table>.",
                    others.size(), declared.size(), others);
        }
        notApplicable = others;
        return applicable;
    }

    /** Declared models that do not run because they read source tables that are not captured. */
    public List<String> notApplicable() {
        return notApplicable;
    }

    /** The models in the order a cycle runs them (those that apply to the captured tables). */
    public List<String> modelNames() {
        return models.stream().map(MartModel::name).toList();
    }

    public synchronized void refresh() throws SQLException {
        setup.ensure();
        reloadIfChanged();
        boolean clean = false;
        try {
            clean = cycle(statements());
        } finally {
            if (!clean) {
                // After a failure nothing prepared or remembered is trusted: the next cycle starts afresh.
                forgetStatements();
            }
        }
    }

    /** One cycle over the cached connection; false when a model failed. */
    private boolean cycle(StatementCache statements) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Connection connection = statements.connection();
        // The tables staging has (recorded with their keys as the writer creates them), and how far each is
        // loaded: this cycle reads staging up to the newest load time there now, and no further.
        Map<String, List<String>> keys = currentState.keyColumns(connection);
        List<String> stagingTables = List.copyOf(keys.keySet());
        if (stagingTables.isEmpty()) {
            return true;
        }
        Map<String, OffsetDateTime> newestLoads = StagingCatalog.newestLoads(dialect,
                statements.prepare(StagingCatalog.newestLoadsSql(dialect, stagingTables)), stagingTables);
        OffsetDateTime through = StagingCatalog.newest(newestLoads);
        if (through == null) {
            return true;
        }
        if (firstThrough == null) {
            firstThrough = through;
        }
        Map<String, OffsetDateTime> watermarks = watermarks(statements);
        Set<String> changedModels = new java.util.TreeSet<>();
        Set<String> failed = new HashSet<>();
        Set<String> waiting = new HashSet<>();
        Set<String> declared = Set.copyOf(modelNames());
        for (String table : stagingTables) {
            List<String> key = keys.get(table);
            if (key == null || key.isEmpty()) {
                continue;
            }
            run(statements, watermarks, CurrentState.PREFIX + table, through, newestLoads.get(table), failed,
                    (c, from, to) -> currentState.apply(c, table, key, from, to));
        }
        for (MartModel model : models) {
            List<String> failedInputs = model.inputs().stream().filter(failed::contains).toList();
            if (!failedInputs.isEmpty()) {
                failed.add(model.name());
                record(statements, model.name(), OffsetDateTime.now(ZoneOffset.UTC), null, null, 0, "skipped",
                        "inputs not refreshed this cycle: " + failedInputs);
                continue;
            }
            // During the first snapshot some source tables have no staging table yet: wait for them quietly.
            boolean inputsMissing = model.inputs().stream().anyMatch(input -> waiting.contains(input)
                    || (!declared.contains(input) && input.startsWith(CurrentState.PREFIX)
                        && !stagingTables.contains(input.substring(CurrentState.PREFIX.length()))));
            if (inputsMissing) {
                waiting.add(model.name());
                continue;
            }
            // A model whose inputs have not changed since its watermark has nothing to do: the cost of a
            // cycle follows the changes, not the number of models.
            OffsetDateTime unknown = firstThrough;
            OffsetDateTime newestInput = model.inputs().stream().map(input -> declared.contains(input)
                            ? lastChange.getOrDefault(input, unknown)
                            : newestLoads.get(input.substring(CurrentState.PREFIX.length())))
                    .filter(java.util.Objects::nonNull).max(OffsetDateTime::compareTo).orElse(BEGINNING);
            long rows = run(statements, watermarks, model.name(), through, newestInput, failed,
                    (c, from, to) -> execute(c, model, from, to));
            if (rows > 0) {
                lastChange.put(model.name(), through);
                changedModels.add(model.name());
            }
        }
        lastCycleAt = OffsetDateTime.now(ZoneOffset.UTC);
        if (!changedModels.isEmpty()) {
            lastChangedAt = lastCycleAt;
            changes.incrementAndGet();
            changed.fire(new MartsChanged(Set.copyOf(changedModels), lastCycleAt));
        }
        lastFailures = List.copyOf(failed);
        if (failed.isEmpty() && waiting.isEmpty()) {
            // Every model has now applied everything staged up to `through`.
            appliedSourceCommit = StagingCatalog.newestSourceCommit(dialect,
                    statements.prepare(StagingCatalog.newestSourceCommitSql(dialect, stagingTables)), stagingTables, through);
        }
        return failed.isEmpty();
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
        if (statements != null) {
            statements.close();
            statements = null;
        }
        created.clear();
        currentState.forget();
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
    public synchronized void rebuild() throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        setup.ensure();
        try (Connection connection = warehouse.connect(); java.sql.Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            List<String> tables = new ArrayList<>(modelNames());
            java.util.Collections.reverse(tables);
            for (String table : StagingCatalog.tables(connection, dialect)) {
                tables.add(CurrentState.PREFIX + table);
            }
            for (String table : tables) {
                statement.execute("drop table if exists " + dialect.quote(dialect.martsSchema()) + "." + dialect.quote(table));
            }
            statement.execute(dialect.statement("delete-all-watermarks"));
            connection.commit();
            connection.setAutoCommit(true);
        }
        lastChange.clear();
        firstThrough = null;
        forgetStatements();
        LOG.infof("Marts dropped for a full rebuild from staging");
        refresh();
    }

    /**
     * Reads the models again when their files changed (only with pipeline.marts.models-dir, as in dev mode):
     * an edited model takes effect in this cycle. A model that no longer parses is reported and the cycle
     * goes on with the models as they were.
     */
    private void reloadIfChanged() {
        String version = files.version();
        if (version.equals(filesVersion)) {
            return;
        }
        filesVersion = version;
        try {
            List<MartModel> reloaded = applicable(ModelCatalog.load(files, warehouse.dialect()));
            slowlyChanging = new SlowlyChangingDimension(files, warehouse.dialect());
            models = reloaded;
            forgetStatements();
            LOG.infof("Mart files changed in %s: %d models reloaded", files.describe(), reloaded.size());
        } catch (RuntimeException e) {
            LOG.errorf("Mart files changed in %s but cannot be loaded; the models stay as they were: %s",
                    files.describe(), e.getMessage());
        }
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
        crashAfterChangesOf = model;
    }

    /**
     * Runs one model (or current-state table) over (watermark, through] unless its newest input is not past
     * its watermark. Returns the rows it changed, 0 when it had nothing to do, -1 when it failed.
     */
    private long run(StatementCache statements, Map<String, OffsetDateTime> watermarks, String model,
                     OffsetDateTime through, OffsetDateTime newestInput, Set<String> failed, ModelWork work)
            throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        Connection connection = statements.connection();
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        long startNanos = System.nanoTime();
        OffsetDateTime stored = watermarks.get(model);
        OffsetDateTime from = stored == null ? BEGINNING : stored;
        if (!through.isAfter(from) || (newestInput != null && !newestInput.isAfter(from))) {
            return 0;
        }
        connection.setAutoCommit(false);
        try {
            long rows = work.apply(statements, from, through);
            if (model.equals(crashAfterChangesOf)) {
                crashAfterChangesOf = null;
                throw new SQLException("simulated crash between the changes and the watermark of " + model);
            }
            PreparedStatement delete = statements.prepare(dialect.statement("delete-watermark"));
            delete.setString(1, model);
            delete.executeUpdate();
            PreparedStatement insert = statements.prepare(dialect.statement("insert-watermark"));
            insert.setString(1, model);
            warehouse.dialect().bind(insert, 2, through);
            warehouse.dialect().bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
            insert.executeUpdate();
            // The run log row commits with the changes it describes.
            record(statements, model, started, from, through, rows, "ok", null);
            connection.commit();
            connection.setAutoCommit(true);
            watermarks.put(model, through);
            Timer.builder("pipeline.mart.refresh").tag("model", model)
                    .description("Duration of a model's incremental refresh").register(registry)
                    .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            registry.counter("pipeline.mart.rows", "model", model).increment(rows);
            return rows;
        } catch (SQLException | RuntimeException e) {
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
            record(statements, model, started, from, through, 0, "failed", e.getMessage());
            return -1;
        }
    }

    private long execute(StatementCache statements, MartModel model, OffsetDateTime from, OffsetDateTime through)
            throws SQLException {
        Connection connection = statements.connection();
        if (model.isSlowlyChanging()) {
            List<OffsetDateTime> binds = new ArrayList<>();
            String select = bindWindow(model.statements().get(0), from, through, binds);
            return slowlyChanging.apply(connection, model, select, binds, through);
        }
        long rows = 0;
        boolean tablesExist = created.contains(model.name());
        for (String statement : model.statements()) {
            boolean definition = DEFINITION.matcher(statement).lookingAt();
            if (definition) {
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
                warehouse.dialect().bind(prepared, i + 1, binds.get(i));
            }
            prepared.execute();
            rows += Math.max(0, prepared.getUpdateCount());
        }
        created.add(model.name());
        return rows;
    }

    /** Replaces {@code :loaded_from} and {@code :loaded_through} with ? and adds their values to {@code binds}. */
    private static String bindWindow(String statement, OffsetDateTime from, OffsetDateTime through,
                                     List<OffsetDateTime> binds) {
        Matcher window = WINDOW.matcher(statement);
        StringBuilder sql = new StringBuilder();
        while (window.find()) {
            binds.add("from".equals(window.group(1)) ? from : through);
            window.appendReplacement(sql, "?");
        }
        window.appendTail(sql);
        return sql.toString();
    }

    /** How far the model has read staging (load time), or null when it has never run. */
    OffsetDateTime watermark(Connection connection, String model) throws SQLException {
        try (PreparedStatement read = connection.prepareStatement(warehouse.dialect().statement("read-watermark"))) {
            read.setString(1, model);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? warehouse.dialect().instant(row, 1) : null;
            }
        }
    }

    /** How far each model has read staging (load time); a model that never ran is absent. */
    private Map<String, OffsetDateTime> watermarks(StatementCache statements) throws SQLException {
        Map<String, OffsetDateTime> watermarks = new java.util.HashMap<>();
        try (ResultSet rows = statements.prepare(warehouse.dialect().statement("read-watermarks")).executeQuery()) {
            while (rows.next()) {
                watermarks.put(rows.getString(1), warehouse.dialect().instant(rows, 2));
            }
        }
        return watermarks;
    }

    private void record(StatementCache statements, String model, OffsetDateTime started, OffsetDateTime from,
                        OffsetDateTime through, long rows, String status, String error) {
        try {
            PreparedStatement insert = statements.prepare(warehouse.dialect().statement("insert-model-run"));
            insert.setString(1, model);
            warehouse.dialect().bind(insert, 2, started);
            warehouse.dialect().bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
            warehouse.dialect().bind(insert, 4, from);
            warehouse.dialect().bind(insert, 5, through);
            insert.setLong(6, rows);
            insert.setString(7, status);
            insert.setString(8, error);
            insert.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("Could not record the run of %s in _pipeline.model_runs: %s", model, e.getMessage());
        }
    }


}
