package io.livewarehouse.marts;

import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.staging.TypeWidening;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A materialized model's table follows its SELECT: the table takes its column types from the SELECT's
 * result when it is created; when a source column is widened later (integer to bigint), the SELECT returns
 * the wider type and the table's column is widened too, or the new values would not fit; and, where the
 * materialization allows it, a column the SELECT has gained (an edited model) is added. Looked at once per
 * model, then again only after staging's columns changed.
 */
final class ModelColumns {

    private final WarehouseDialect dialect;
    /** Per model, the staging schema version its columns were last compared at. */
    private final Map<String, Long> checkedAt = new HashMap<>();

    ModelColumns(WarehouseDialect dialect) {
        this.dialect = dialect;
    }

    /** A rolled-back transaction may have taken a widening with it: compare every model's columns again. */
    void forget() {
        checkedAt.clear();
    }

    /**
     * The columns of a table of this run (the model's changes), by lower-case name, with the type names the
     * warehouse gives them (a decimal with its precision and scale).
     */
    Map<String, String> of(Connection connection, String table) throws SQLException {
        Map<String, String> produced = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet empty = statement.executeQuery("select * from " + table + " where 1 = 0")) {
            ResultSetMetaData columns = empty.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                String typeName = columns.getColumnTypeName(i);
                if (!typeName.contains("(") && typeName.matches("(?i)DECIMAL|NUMBER|NUMERIC")) {
                    typeName += "(" + columns.getPrecision(i) + "," + columns.getScale(i) + ")";
                }
                produced.put(columns.getColumnLabel(i).toLowerCase(Locale.ROOT), typeName);
            }
        }
        return produced;
    }

    /**
     * Widens the columns of {@code model}'s table that the changes' columns no longer fit in and, with
     * {@code addNew}, adds the changes' columns it lacks, but for those in {@code notStored}.
     */
    void follow(Connection connection, String model, String changes, boolean addNew, Set<String> notStored)
            throws SQLException {
        long version = StagingCatalog.schemaVersion();
        if (Long.valueOf(version).equals(checkedAt.get(model))) {
            return;
        }
        Map<String, String> existing = StagingCatalog.columns(connection, dialect, dialect.martsSchema(), model);
        String target = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(model);
        try (Statement alter = connection.createStatement()) {
            for (Map.Entry<String, String> column : of(connection, changes).entrySet()) {
                String current = existing.get(column.getKey());
                if (!existing.containsKey(column.getKey())) {
                    if (addNew && !notStored.contains(column.getKey())) {
                        // As the warehouse names the type: staging's types do not cover all a SELECT can give
                        // (an interval, a list, a 128-bit sum).
                        alter.execute("alter table " + target + " add column " + dialect.quote(column.getKey()) + " "
                                + column.getValue());
                    }
                    continue;
                }
                if (current == null) {
                    continue; // a type the catalog does not name: nothing to compare
                }
                ColumnType produced = dialect.parseType(column.getValue());
                ColumnType held = dialect.parseType(current);
                if (!TypeWidening.canHold(held, produced) && TypeWidening.canHold(produced, held)) {
                    alter.execute(dialect.statement("widen-column", Map.of("table", target,
                            "column", dialect.quote(column.getKey()), "type", dialect.typeOf(produced))));
                }
            }
        }
        checkedAt.put(model, version);
    }
}
