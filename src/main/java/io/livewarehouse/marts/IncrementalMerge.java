package io.livewarehouse.marts;

import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.support.NamedSql;
import io.livewarehouse.support.StatementCache;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps a model declared {@code -- materialized: incremental}, with the statements of
 * {@code marts/materializations.sql}: the model is the SELECT of the rows that may have changed in the
 * window, and this merges them into its table on the model's key, so that the model names its columns once.
 * A row the SELECT marks {@code is_deleted} leaves the table, unless the model says {@code -- deleted: keep};
 * the table's columns follow the SELECT ({@link ModelColumns}), a column it gains included.
 */
final class IncrementalMerge {

    static final String DELETED = "is_deleted";
    static final String LOADED_AT = "loaded_at";

    /** A model's SELECT columns, as learnt at staging's schema version then. */
    private record Produced(List<String> columns, long schemaVersion) {
    }

    private final WarehouseDialect dialect;
    private final NamedSql templates;
    private final ModelColumns columns;
    /** Per model whose table this process has created or followed, the columns of its SELECT. */
    private final Map<String, Produced> learnt = new java.util.concurrent.ConcurrentHashMap<>();

    IncrementalMerge(MartFiles files, WarehouseDialect dialect) {
        this.dialect = dialect;
        this.templates = files.materializations(dialect.name());
        this.columns = new ModelColumns(dialect);
    }

    /** This process's tables may be gone (a rebuild): learn their columns and create them again. */
    void forget() {
        learnt.clear();
        columns.forget();
    }

    /** Work to do inside the open transaction just before the materialization commits it early. */
    @FunctionalInterface
    interface BeforeCommit {
        void run() throws SQLException;
    }

    /**
     * At most this many source rows changed in a cycle's window (its current-state tables' rows): the MERGE
     * reads a temporary table of the SELECT's rows. Above it, the SELECT itself.
     */
    static final long FEW_CHANGES = 1_000;

    /**
     * Applies one window's changes; {@code select} is the model's SELECT with its window already bound as ?.
     * When few source rows changed ({@code fewChanges}) the SELECT fills its temporary table first and the
     * MERGE reads that, as dbt's incremental models do, so that the warehouse plans the MERGE knowing how few
     * rows there are: merged from the SELECT itself, DuckDB took the source for the larger side when it could
     * not tell (obt_rental's union of the keys affected through each dimension) and built its hash table over
     * the whole target, about 8 of the 20 ms of a one-change run. Over many changes the SELECT is merged
     * directly: a temporary table of 100,000 rows made those cycles slower (probe: 1,070 ms against 724, one
     * run 4.5 s). The first run in a process (and the first after staging's columns changed) always goes
     * through the temporary table, to learn the SELECT's columns and create or follow the model's table.
     */
    long apply(StatementCache statements, MartModel model, String select, List<OffsetDateTime> selectBinds,
               OffsetDateTime through, boolean fewChanges, BeforeCommit beforeCommit) throws SQLException {
        Connection connection = statements.connection();
        long version = StagingCatalog.schemaVersion();
        Produced known = learnt.get(model.name());
        boolean learn = known == null || known.schemaVersion() != version;
        Map<String, String> tokens = tokens(model, select, learn ? null : known.columns());
        int index = 1;
        if (learn || fewChanges) {
            // Kept prepared between cycles (the statement cache), as the runner keeps its other statements.
            PreparedStatement changes = statements.prepare(statement("incremental-changes", tokens));
            for (int i = 0; i < selectBinds.size(); i++) {
                dialect.bind(changes, i + 1, selectBinds.get(i));
            }
            changes.execute();
            if (learn) {
                List<String> columnsProduced = learn(connection, model, tokens, beforeCommit);
                tokens = tokens(model, select, columnsProduced);
                known = new Produced(columnsProduced, version);
            }
        } else {
            tokens.put("source", "(" + select + ")");
        }
        PreparedStatement merge = statements.prepare(statement("incremental-merge", tokens));
        if (!learn && !fewChanges) {
            for (OffsetDateTime bind : selectBinds) {
                dialect.bind(merge, index++, bind);
            }
        }
        dialect.bind(merge, index++, through);
        dialect.bind(merge, index, through);
        long rows = Math.max(0, merge.executeUpdate());
        learnt.put(model.name(), known);
        return rows;
    }

    /**
     * The columns of the model's SELECT, from its table of changes, and its table made to have them: created,
     * or given the columns it lacks; inside a transaction that commits, after {@code beforeCommit}. Returns the
     * columns.
     */
    private List<String> learn(Connection connection, MartModel model, Map<String, String> tokens,
                               BeforeCommit beforeCommit) throws SQLException {
        List<String> columnsProduced = List.copyOf(columns.of(connection, tokens.get("changes")).keySet());
        if (!columnsProduced.containsAll(model.keyColumns())) {
            throw new SQLException("model " + model.name() + " (materialized: incremental) does not select its key "
                    + model.keyColumns() + ": " + columnsProduced);
        }
        if (columnsProduced.contains(LOADED_AT)) {
            throw new SQLException("model " + model.name() + " (materialized: incremental) selects " + LOADED_AT
                    + ", which the materialization sets (the run's staging load time): leave it out");
        }
        Map<String, String> withColumns = tokens(model, tokens.get("select"), columnsProduced);
        try (Statement ddl = connection.createStatement()) {
            ddl.execute(statement("incremental-create", withColumns));
        }
        columns.follow(connection, model.name(), withColumns.get("changes"), true,
                deletes(model, columnsProduced) ? Set.of(DELETED) : Set.of());
        if (!connection.getAutoCommit()) {
            // The table's shape (created empty, columns added or widened) commits on its own, before the MERGE:
            // DuckDB 2.0 loses the statistics of a table made by CREATE TABLE AS and merged into in the same
            // transaction (min() answers NULL), and then prunes every row of it from filtered scans, so readers
            // of the model see nothing and the model's own next MERGE, matching nothing, inserts its rows again.
            // No ALTER was seen to do the same, but none shares the MERGE's transaction either. Snowflake commits
            // DDL by itself anyway. A crash before the MERGE commits leaves the table's new shape and the old
            // watermark: the next run merges the whole window into it. What the transaction holds of the models
            // before this one commits with it, and so do their watermarks (beforeCommit).
            beforeCommit.run();
            connection.commit();
        }
        return columnsProduced;
    }

    /** Whether rows the SELECT marks is_deleted leave the table: it has the column, and the model keeps none. */
    static boolean deletes(MartModel model, List<String> produced) {
        return produced.contains(DELETED) && !model.keepsDeleted();
    }

    /**
     * The tokens of the incremental templates for a model: its tables and SELECT, and with the columns its
     * SELECT produces, the column lists and clauses of the merge.
     */
    Map<String, String> tokens(MartModel model, String select, List<String> produced) {
        Map<String, String> tokens = new HashMap<>();
        tokens.put("target", dialect.quote(dialect.martsSchema()) + "." + dialect.quote(model.name()));
        tokens.put("changes", dialect.quote(model.name() + "__changes"));
        tokens.put("select", select);
        tokens.put("source", tokens.get("changes"));
        if (produced == null) {
            return tokens;
        }
        boolean deletes = deletes(model, produced);
        List<String> keys = model.keyColumns();
        List<String> stored = produced.stream().filter(column -> !deletes || !column.equals(DELETED)).toList();
        List<String> values = stored.stream().filter(column -> !keys.contains(column)).toList();
        tokens.put("change_columns", join(stored, "ch."));
        tokens.put("columns", join(stored, ""));
        tokens.put("source_columns", join(stored, "s."));
        // NULL matches NULL: a key column a user's model leaves NULL would otherwise insert its row again each run.
        tokens.put("key_match", keys.stream().map(k -> "t." + dialect.quote(k) + " is not distinct from s." + dialect.quote(k))
                .collect(Collectors.joining(" and ")));
        tokens.put("update_assignments", values.stream().map(c -> dialect.quote(c) + " = s." + dialect.quote(c) + ", ")
                .collect(Collectors.joining()));
        // A NULL is_deleted is a row that is there: it is updated and inserted alike.
        String deleted = "coalesce(s." + dialect.quote(DELETED) + ", false)";
        tokens.put("delete_matched", deletes ? "when matched and " + deleted + " then delete" : "");
        tokens.put("unless_deleted", deletes ? "and not " + deleted + " " : "");
        return tokens;
    }

    /** One of the incremental templates of materializations.sql with these tokens. */
    String statement(String template, Map<String, String> tokens) {
        return dialect.qualify(templates.get(template, tokens));
    }

    private String join(List<String> columns, String prefix) {
        return columns.stream().map(column -> prefix + dialect.quote(column)).collect(Collectors.joining(", "));
    }
}
