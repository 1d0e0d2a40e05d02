package io.livewarehouse.marts;

import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps the versions of a model declared {@code -- materialized: scd2} (type 2 slowly changing dimension),
 * with the statements of {@code marts/materializations.sql}: the model says which entities may have changed
 * and what their attributes are now; this compares a hash of the tracked attributes with the current
 * version's, closes the versions that changed, opens new ones with the next surrogate keys, and updates
 * untracked attributes in place. The dimension's columns follow the model's SELECT ({@link ModelColumns}).
 */
final class SlowlyChangingDimension {

    /** Where a first version starts, so that facts older than the pipeline find it; where an open one ends. */
    static final OffsetDateTime BEGINNING_OF_TIME = OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);

    /** Columns every change row carries besides the attributes. */
    private static final Set<String> CHANGE_COLUMNS = Set.of("changed_at", "is_deleted");

    private final WarehouseDialect dialect;
    private final NamedSql templates;
    private final ModelColumns columns;

    SlowlyChangingDimension(MartFiles files, WarehouseDialect dialect) {
        this.dialect = dialect;
        this.templates = files.materializations(dialect.name());
        this.columns = new ModelColumns(dialect);
    }

    /** After a rollback or a rebuild: the dimensions' columns are compared with their SELECTs again. */
    void forget() {
        columns.forget();
    }

    /** Applies one window's changes; {@code select} is the model's SELECT with its window already bound as ?. */
    long apply(Connection connection, MartModel model, String select, List<OffsetDateTime> selectBinds,
               OffsetDateTime through) throws SQLException {
        Map<String, String> tokens = tokens(model, select, null);
        try (PreparedStatement changes = connection.prepareStatement(statement("scd2-changes", tokens))) {
            for (int i = 0; i < selectBinds.size(); i++) {
                dialect.bind(changes, i + 1, selectBinds.get(i));
            }
            changes.execute();
        }
        tokens = tokens(model, select, attributes(connection, tokens.get("changes"), model.setting("natural_id")));
        List<String> untracked = model.untracked();

        long rows = 0;
        try (Statement ddl = connection.createStatement()) {
            ddl.execute(statement("scd2-create", tokens));
            columns.follow(connection, model.name(), tokens.get("changes"), false, Set.of());
            ddl.execute(statement("scd2-versions", tokens));
        }
        if (!untracked.isEmpty()) {
            rows += update(connection, statement("scd2-update-untracked", tokens), through);
        }
        rows += update(connection, statement("scd2-close", tokens), through);
        rows += update(connection, statement("scd2-open", tokens), BEGINNING_OF_TIME, END_OF_TIME, through);
        return rows;
    }

    /**
     * The tokens of the scd2 templates for a model: its tables and keys, and with its attribute columns (all
     * but the natural id and the change columns of its SELECT) the column lists and the row hash.
     */
    Map<String, String> tokens(MartModel model, String select, List<String> attributes) {
        Map<String, String> tokens = new HashMap<>();
        tokens.put("target", dialect.quote(dialect.martsSchema()) + "." + dialect.quote(model.name()));
        tokens.put("changes", dialect.quote(model.name() + "__changes"));
        tokens.put("versions", dialect.quote(model.name() + "__versions"));
        tokens.put("natural_id", dialect.quote(model.setting("natural_id")));
        tokens.put("surrogate_key", dialect.quote(model.setting("surrogate_key")));
        tokens.put("select", select);
        if (attributes == null) {
            return tokens;
        }
        List<String> untracked = model.untracked();
        List<String> tracked = attributes.stream().filter(a -> !untracked.contains(a)).toList();
        tokens.put("attributes", join(attributes, ""));
        tokens.put("change_attributes", join(attributes, "ch."));
        tokens.put("version_attributes", join(attributes, "v."));
        tokens.put("row_hash", templates.get("scd2-row-hash", Map.of("parts", tracked.stream()
                .map(column -> templates.get("scd2-row-hash-part", Map.of("column", dialect.quote(column))))
                .collect(Collectors.joining(", ")))));
        tokens.put("untracked_assignments", untracked.stream()
                .map(column -> dialect.quote(column) + " = v." + dialect.quote(column)).collect(Collectors.joining(", ")));
        return tokens;
    }

    /** One of the scd2 templates of materializations.sql with these tokens. */
    String statement(String template, Map<String, String> tokens) {
        return dialect.qualify(templates.get(template, tokens));
    }

    /** The model's attribute columns: everything its SELECT returns but the natural id and the change columns. */
    private List<String> attributes(Connection connection, String changes, String naturalId) throws SQLException {
        return columns.of(connection, changes).keySet().stream()
                .filter(column -> !column.equals(naturalId) && !CHANGE_COLUMNS.contains(column)).toList();
    }

    private String join(List<String> columns, String prefix) {
        return columns.stream().map(column -> prefix + dialect.quote(column)).collect(Collectors.joining(", "));
    }

    private long update(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                dialect.bind(statement, i + 1, values[i]);
            }
            return Math.max(0, statement.executeUpdate());
        }
    }
}
