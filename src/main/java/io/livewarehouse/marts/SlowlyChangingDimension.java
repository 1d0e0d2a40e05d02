package io.livewarehouse.marts;

import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps the versions of a model declared {@code -- materialized: scd2} (type 2 slowly changing dimension),
 * with the statements of {@code marts/materializations.sql}: the model says which entities may have changed
 * and what their attributes are now; this compares a hash of the tracked attributes with the current
 * version's, closes the versions that changed, opens new ones with the next surrogate keys, and updates
 * untracked attributes in place. The dimension's columns follow the model's SELECT.
 */
final class SlowlyChangingDimension {

    /** Where a first version starts, so that facts older than the pipeline find it; where an open one ends. */
    static final OffsetDateTime BEGINNING_OF_TIME = OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);

    /** Columns every change row carries besides the attributes. */
    private static final Set<String> CHANGE_COLUMNS = Set.of("changed_at", "is_deleted");

    private final WarehouseDialect dialect;
    private final NamedSql templates;

    SlowlyChangingDimension(MartFiles files, WarehouseDialect dialect) {
        this.dialect = dialect;
        String own = files.readOptional(dialect.name() + "/materializations.sql");
        this.templates = NamedSql.of("materializations.sql", own != null ? own : files.read("materializations.sql"));
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
            followWidenings(connection, model, tokens.get("changes"));
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
    /** Per model, the staging schema version its column types were last compared at. */
    private final Map<String, Long> checkedAt = new HashMap<>();

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

    /**
     * The dimension takes its column types from the model's SELECT when it is created; when a source column is
     * widened later (integer to bigint), the SELECT returns the wider type and the dimension's column is widened
     * too, or the new values would not fit. Looked at only after staging's columns changed.
     */
    private void followWidenings(Connection connection, MartModel model, String changes) throws SQLException {
        long version = io.livewarehouse.staging.StagingCatalog.schemaVersion();
        if (Long.valueOf(version).equals(checkedAt.get(model.name()))) {
            return;
        }
        Map<String, String> existing = io.livewarehouse.staging.StagingCatalog.columns(connection, dialect,
                dialect.martsSchema(), model.name());
        String target = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(model.name());
        try (Statement statement = connection.createStatement();
             ResultSet empty = statement.executeQuery("select * from " + changes + " where 1 = 0")) {
            ResultSetMetaData columns = empty.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                String column = columns.getColumnLabel(i).toLowerCase(Locale.ROOT);
                String current = existing.get(column);
                if (current == null) {
                    continue;
                }
                String typeName = columns.getColumnTypeName(i);
                if (!typeName.contains("(") && typeName.matches("(?i)DECIMAL|NUMBER|NUMERIC")) {
                    typeName += "(" + columns.getPrecision(i) + "," + columns.getScale(i) + ")";
                }
                io.livewarehouse.types.ColumnType produced = dialect.parseType(typeName);
                io.livewarehouse.types.ColumnType held = dialect.parseType(current);
                if (!io.livewarehouse.staging.TypeWidening.canHold(held, produced)
                        && io.livewarehouse.staging.TypeWidening.canHold(produced, held)) {
                    try (Statement widen = connection.createStatement()) {
                        widen.execute(dialect.statement("widen-column", Map.of("table", target,
                                "column", dialect.quote(column), "type", dialect.typeOf(produced))));
                    }
                }
            }
        }
        checkedAt.put(model.name(), version);
    }

    /** The model's attribute columns: everything its SELECT returns but the natural id and the change columns. */
    private static List<String> attributes(Connection connection, String changes, String naturalId) throws SQLException {
        List<String> attributes = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet empty = statement.executeQuery("select * from " + changes + " where 1 = 0")) {
            ResultSetMetaData columns = empty.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                String column = columns.getColumnLabel(i).toLowerCase(Locale.ROOT);
                if (!column.equals(naturalId) && !CHANGE_COLUMNS.contains(column)) {
                    attributes.add(column);
                }
            }
        }
        return attributes;
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
