package io.livewarehouse.marts;

import io.livewarehouse.support.NamedSql;
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

    private final WarehouseDialect dialect;
    private final NamedSql templates;
    private final ModelColumns columns;

    IncrementalMerge(MartFiles files, WarehouseDialect dialect) {
        this.dialect = dialect;
        this.templates = files.materializations(dialect.name());
        this.columns = new ModelColumns(dialect);
    }

    /** Applies one window's changes; {@code select} is the model's SELECT with its window already bound as ?. */
    long apply(Connection connection, MartModel model, String select, List<OffsetDateTime> selectBinds,
               OffsetDateTime through) throws SQLException {
        Map<String, String> tokens = tokens(model, select, null);
        try (PreparedStatement changes = connection.prepareStatement(statement("incremental-changes", tokens))) {
            for (int i = 0; i < selectBinds.size(); i++) {
                dialect.bind(changes, i + 1, selectBinds.get(i));
            }
            changes.execute();
        }
        List<String> produced = List.copyOf(columns.of(connection, tokens.get("changes")).keySet());
        if (!produced.containsAll(model.keyColumns())) {
            throw new SQLException("model " + model.name() + " (materialized: incremental) does not select its key "
                    + model.keyColumns() + ": " + produced);
        }
        tokens = tokens(model, select, produced);
        boolean deletes = deletes(model, produced);
        try (Statement ddl = connection.createStatement()) {
            ddl.execute(statement("incremental-create", tokens));
        }
        columns.follow(connection, model.name(), tokens.get("changes"), true, deletes ? Set.of(DELETED) : Set.of());
        try (PreparedStatement merge = connection.prepareStatement(statement("incremental-merge", tokens))) {
            dialect.bind(merge, 1, through);
            dialect.bind(merge, 2, through);
            return Math.max(0, merge.executeUpdate());
        }
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
        tokens.put("key_match", keys.stream().map(k -> "t." + dialect.quote(k) + " = s." + dialect.quote(k))
                .collect(Collectors.joining(" and ")));
        tokens.put("update_assignments", values.stream().map(c -> dialect.quote(c) + " = s." + dialect.quote(c) + ", ")
                .collect(Collectors.joining()));
        tokens.put("delete_matched", deletes ? "when matched and s." + dialect.quote(DELETED) + " then delete" : "");
        tokens.put("unless_deleted", deletes ? "and not s." + dialect.quote(DELETED) + " " : "");
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
