package io.livewarehouse.marts;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.warehouse.WarehouseDialect;

import io.livewarehouse.support.StatementCache;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The current state of each source table ({@code marts.cur_<table>}), kept incrementally from its staging
 * change log by one generic MERGE ({@code merge-current-state} in the dialect's SQL): the layer every
 * dimension and fact reads attributes from. Columns come from the staging table, so a column added at the
 * source appears here too.
 */
final class CurrentState {

    private static final Logger LOG = Logger.getLogger(CurrentState.class);

    static final String PREFIX = "cur_";
    /** The prefix the current-state tables had before, shared then with hand-written intermediates. */
    static final String EARLIER_PREFIX = "int_";

    private final WarehouseDialect dialect;
    /**
     * Per staging table, its source columns as last read, valid while {@link StagingCatalog#schemaVersion} is
     * {@link #columnsVersion}: the catalog is asked again only after the writer changed a staging table.
     */
    private final Map<String, Map<String, String>> stagingColumns = new HashMap<>();
    private long columnsVersion = -1;
    /** Whether this process has looked for current-state tables under their earlier names. */
    private boolean earlierNamesAdopted;
    /** Per current-state table, the columns it was last made to have (by this process). */
    private final Map<String, Map<String, String>> targetColumns = new HashMap<>();

    CurrentState(WarehouseDialect dialect) {
        this.dialect = dialect;
    }

    /** Forgets the columns it knows (after its tables were dropped or a cycle failed). */
    void forget() {
        stagingColumns.clear();
        targetColumns.clear();
    }

    /** Applies the staging rows loaded in (from, through] to {@code cur_<table>}; returns the rows changed. */
    long apply(StatementCache statements, String table, List<String> keyColumns, OffsetDateTime from, OffsetDateTime through)
            throws SQLException {
        Connection connection = statements.connection();
        long version = StagingCatalog.schemaVersion();
        if (version != columnsVersion) {
            stagingColumns.clear();
            columnsVersion = version;
        }
        Map<String, String> sourceColumns = stagingColumns.get(table);
        if (sourceColumns == null) {
            sourceColumns = StagingCatalog.columns(connection, dialect, dialect.stagingSchema(), table);
            sourceColumns.keySet().removeIf(column -> column.startsWith("_cdc_"));
            stagingColumns.put(table, sourceColumns);
        }
        String target = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(PREFIX + table);
        if (!sourceColumns.equals(targetColumns.get(table))) {
            ensureTarget(connection, table, target, sourceColumns);
            targetColumns.put(table, Map.copyOf(sourceColumns));
        }

        PreparedStatement merge = statements.prepare(mergeSql(table, keyColumns, sourceColumns));
        dialect.bind(merge, 1, from);
        dialect.bind(merge, 2, through);
        return merge.executeUpdate();
    }

    /** The MERGE that applies a window of the staging table to {@code cur_<table>} (binds: from, through). */
    String mergeSql(String table, List<String> keyColumns, Map<String, String> sourceColumns) {
        String target = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(PREFIX + table);
        List<String> valueColumns = sourceColumns.keySet().stream().filter(c -> !keyColumns.contains(c)).toList();
        String latest = valueColumns.stream().map(column -> dialect.statement("current-state-latest-value", tokens(column)))
                .collect(Collectors.joining(",\n           "));
        String availableFlags = valueColumns.stream().map(column -> dialect.statement("current-state-carried", tokens(column)))
                .collect(Collectors.joining(",\n           "));
        List<String> assignments = new ArrayList<>(valueColumns.stream().map(column -> dialect.quote(column)
                + " = case when s." + dialect.quote("_available_" + column) + " then s." + dialect.quote(column)
                + " else t." + dialect.quote(column) + " end").toList());
        // A table keyed by its whole row has no value columns: only the CDC columns move.
        assignments.addAll(List.of("_cdc_lsn = s._cdc_lsn", "_cdc_source_ts = s._cdc_source_ts",
                "_cdc_loaded_at = s._cdc_loaded_at"));
        String updates = String.join(", ", assignments);
        List<String> insertColumns = new ArrayList<>(sourceColumns.keySet());
        insertColumns.addAll(List.of("_cdc_lsn", "_cdc_source_ts", "_cdc_loaded_at"));
        return dialect.statement("merge-current-state", Map.of(
                "target", target,
                "source", dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table),
                "key_columns", keyColumns.stream().map(dialect::quote).collect(Collectors.joining(", ")),
                "latest", latest.isEmpty() ? "1 as _no_values" : latest,
                "available", availableFlags.isEmpty() ? "true as _no_flags" : availableFlags,
                "deleted", dialect.statement("current-state-deleted"),
                // NULL matches NULL: a table without primary key is keyed by columns that can be NULL (all
                // of them, under REPLICA IDENTITY FULL), as GROUP BY groups them.
                "key_match", keyColumns.stream().map(k -> "t." + dialect.quote(k) + " is not distinct from s." + dialect.quote(k))
                        .collect(Collectors.joining(" and ")),
                "update_assignments", updates,
                "insert_columns", insertColumns.stream().map(dialect::quote).collect(Collectors.joining(", ")),
                "insert_values", insertColumns.stream().map(c -> "s." + dialect.quote(c)).collect(Collectors.joining(", "))));
    }

    /**
     * A warehouse kept by an earlier version has each current state as {@code int_<table>}: it becomes
     * {@code cur_<table>}, and its watermark moves with it, so the next cycle goes on from where that one
     * stopped instead of reading all of staging again. A declared model of that name (a hand-written
     * intermediate) is left alone. On DuckDB both happen in one transaction; on Snowflake the rename commits
     * by itself, so the watermark is moved by whichever start finds {@code cur_<table>} without one and
     * {@code int_<table>}'s left behind. Once per process.
     */
    void adoptEarlierNames(Connection connection, List<String> stagingTables, Set<String> models) throws SQLException {
        if (earlierNamesAdopted) {
            return;
        }
        Set<String> marts = new java.util.HashSet<>();
        try (PreparedStatement tables = connection.prepareStatement(dialect.statement("catalog-tables"))) {
            tables.setString(1, dialect.catalogName(dialect.martsSchema()));
            try (ResultSet rows = tables.executeQuery()) {
                while (rows.next()) {
                    marts.add(dialect.fromCatalog(rows.getString(1)));
                }
            }
        }
        Set<String> watermarked = new java.util.HashSet<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(dialect.statement("read-watermarks"))) {
            while (rows.next()) {
                watermarked.add(rows.getString(1));
            }
        }
        String schema = dialect.quote(dialect.martsSchema());
        for (String table : stagingTables) {
            String earlier = EARLIER_PREFIX + table;
            String current = PREFIX + table;
            boolean rename = marts.contains(earlier) && !marts.contains(current);
            boolean moveWatermark = watermarked.contains(earlier) && !watermarked.contains(current)
                    && (rename || (marts.contains(current) && !marts.contains(earlier)));
            if (models.contains(earlier) || (!rename && !moveWatermark)) {
                continue;
            }
            connection.setAutoCommit(false);
            try (Statement ddl = connection.createStatement();
                 PreparedStatement watermark = connection.prepareStatement(dialect.statement("rename-watermark"))) {
                // The table first: a watermark under the new name with no table would skip what it held.
                if (rename) {
                    ddl.execute(dialect.statement("rename-mart-table", Map.of("table", schema + "." + dialect.quote(earlier),
                            "new_name", dialect.quote(current), "new_table", schema + "." + dialect.quote(current))));
                }
                if (moveWatermark) {
                    watermark.setString(1, current);
                    watermark.setString(2, earlier);
                    watermark.executeUpdate();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            LOG.infof("Marts: the current state of %s, kept as %s.%s until now, is %s.%s", table, dialect.martsSchema(),
                    earlier, dialect.martsSchema(), current);
        }
        earlierNamesAdopted = true;
    }

    /** Rolls back after {@code failure}; a rollback that fails too is recorded on it, not thrown instead of it. */
    static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException rollback) {
            failure.addSuppressed(rollback);
        }
    }

    /** Key columns of each staging table (the source's primary key, as the change events carry it). */
    Map<String, List<String>> keyColumns(Connection connection) throws SQLException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(dialect.statement("read-staging-keys"))) {
            while (rows.next()) {
                String columns = rows.getString(2);
                keys.put(rows.getString(1), columns.isEmpty() ? List.of() : List.of(columns.split(",")));
            }
        }
        return keys;
    }

    /** The tokens of the per-column fragments: the column, its availability flag, and its name as a JSON string. */
    private Map<String, String> tokens(String column) {
        return Map.of("column", dialect.quote(column),
                "flag", dialect.quote("_available_" + column),
                // A literal, not an identifier: column names come from the source's schema, never from users.
                "json_name", "'\"" + column.replace("'", "''").replace("\"", "\\\"") + "\"'");
    }

    private void ensureTarget(Connection connection, String table, String target, Map<String, String> sourceColumns)
            throws SQLException {
        Map<String, String> existing = new LinkedHashMap<>(
                StagingCatalog.columns(connection, dialect, dialect.martsSchema(), PREFIX + table));
        try (Statement statement = connection.createStatement()) {
            if (existing.isEmpty()) {
                String definition = sourceColumns.entrySet().stream()
                        .map(column -> dialect.quote(column.getKey()) + " " + column.getValue())
                        .collect(Collectors.joining(", "));
                statement.execute("create table if not exists " + target + " (" + definition
                        + ", _cdc_lsn " + dialect.typeOf(ColumnType.of(ColumnType.Kind.BIGINT))
                        + ", _cdc_source_ts " + dialect.typeOf(ColumnType.of(ColumnType.Kind.TIMESTAMPTZ))
                        + ", _cdc_loaded_at " + dialect.typeOf(ColumnType.of(ColumnType.Kind.TIMESTAMPTZ)) + ")");
                return;
            }
            // Renames first: a column renamed and another added under its old name come together.
            for (String column : sourceColumns.keySet()) {
                String earlier = existing.containsKey(column) ? null : io.livewarehouse.staging.ColumnIdentity
                        .earlierNames(connection, dialect, table, column).stream().filter(existing::containsKey)
                        .findFirst().orElse(null);
                if (earlier != null) {
                    // Renamed at the source: the keys that do not change keep their values, under the new name.
                    statement.execute("alter table " + target + " rename column " + dialect.quote(earlier) + " to "
                            + dialect.quote(column));
                    existing.put(column, existing.remove(earlier));
                }
            }
            Map<String, String> defaults = null;
            for (Map.Entry<String, String> column : sourceColumns.entrySet()) {
                String type = existing.get(column.getKey());
                if (type == null) {
                    // A column added at the source with a default: the keys that do not change read it too.
                    if (defaults == null) {
                        defaults = StagingCatalog.columnDefaults(connection, dialect, dialect.stagingSchema(), table);
                    }
                    String defaultValue = defaults.get(column.getKey());
                    statement.execute("alter table " + target + " add column " + dialect.quote(column.getKey()) + " "
                            + column.getValue() + (defaultValue == null ? "" : " default " + defaultValue));
                } else if (!type.equals(column.getValue())) {
                    statement.execute("alter table " + target + " alter column " + dialect.quote(column.getKey())
                            + " set data type " + column.getValue());
                }
            }
        }
    }
}
