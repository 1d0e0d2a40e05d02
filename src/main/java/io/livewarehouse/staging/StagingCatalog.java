package io.livewarehouse.staging;

import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** What the warehouse's STAGING schema holds: its tables and how far loading has got. */
public final class StagingCatalog {

    /** See {@link #schemaVersion}. */
    private static final AtomicLong SCHEMA_VERSION = new AtomicLong();

    private StagingCatalog() {
    }

    /** The staging tables, by name. */
    public static List<String> tables(Connection connection, WarehouseDialect dialect) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(dialect.statement("catalog-tables"))) {
            statement.setString(1, dialect.catalogName(dialect.stagingSchema()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    tables.add(dialect.fromCatalog(rows.getString(1)));
                }
            }
        }
        return tables;
    }

    /**
     * A table's columns and their warehouse type names (as {@link WarehouseDialect#parseType} reads them), in
     * table order (empty when there is no such table).
     */
    public static Map<String, String> columns(Connection connection, WarehouseDialect dialect, String schema, String table)
            throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(dialect.statement("catalog-columns"))) {
            statement.setString(1, dialect.catalogName(schema));
            statement.setString(2, dialect.catalogName(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.put(dialect.fromCatalog(rows.getString(1)), rows.getString(2));
                }
            }
        }
        return columns;
    }

    /** A table's column defaults (columns added with a default at the source), as the catalog spells them. */
    public static Map<String, String> columnDefaults(Connection connection, WarehouseDialect dialect, String schema,
                                                     String table) throws SQLException {
        Map<String, String> defaults = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(dialect.statement("catalog-column-defaults"))) {
            statement.setString(1, dialect.catalogName(schema));
            statement.setString(2, dialect.catalogName(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    defaults.put(dialect.fromCatalog(rows.getString(1)), rows.getString(2));
                }
            }
        }
        return defaults;
    }

    /**
     * The newest source commit time among the rows loaded up to a time, in one statement (a round trip per
     * mart cycle, not one per table); run it with {@link #newestSourceCommit}.
     */
    public static String newestSourceCommitSql(WarehouseDialect dialect, List<String> tables) {
        return "select max(newest) from (" + tables.stream()
                .map(table -> "select max(" + dialect.quote(CdcColumns.SOURCE_TS) + ") as newest from "
                        + dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table)
                        + " where " + dialect.quote(CdcColumns.LOADED_AT) + " <= ?")
                .collect(Collectors.joining(" union all ")) + ") as staged";
    }

    /** Runs the statement of {@link #newestSourceCommitSql} for these tables. */
    public static OffsetDateTime newestSourceCommit(WarehouseDialect dialect, PreparedStatement statement, List<String> tables,
                                                    OffsetDateTime through) throws SQLException {
        for (int i = 1; i <= tables.size(); i++) {
            dialect.bind(statement, i, through);
        }
        try (ResultSet row = statement.executeQuery()) {
            return row.next() ? dialect.instant(row, 1) : null;
        }
    }

    /** The newest {@code _cdc_loaded_at} of any staging table, or null when staging is empty. */
    public static OffsetDateTime newestLoad(Connection connection, WarehouseDialect dialect) throws SQLException {
        return newest(newestLoads(connection, dialect));
    }

    /** The newest of the per-table load times {@link #newestLoads} read, or null when staging is empty. */
    public static OffsetDateTime newest(Map<String, OffsetDateTime> newestLoads) {
        return newestLoads.values().stream().filter(java.util.Objects::nonNull).max(OffsetDateTime::compareTo).orElse(null);
    }

    /** Per staging table, the newest {@code _cdc_loaded_at} (null for an empty table). */
    public static Map<String, OffsetDateTime> newestLoads(Connection connection, WarehouseDialect dialect) throws SQLException {
        List<String> tables = tables(connection, dialect);
        if (tables.isEmpty()) {
            return new LinkedHashMap<>();
        }
        try (PreparedStatement statement = connection.prepareStatement(newestLoadsSql(dialect, tables))) {
            return newestLoads(dialect, statement, tables);
        }
    }

    /**
     * One statement for {@link #newestLoads}: each table's row is tagged with its position in {@code tables}
     * (a UNION ALL keeps no order), so no table name is written into the SQL as a literal.
     */
    public static String newestLoadsSql(WarehouseDialect dialect, List<String> tables) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            parts.add("select " + i + " as position, max(" + dialect.quote(CdcColumns.LOADED_AT) + ") as newest from "
                    + dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(tables.get(i)));
        }
        return String.join(" union all ", parts);
    }

    /** Runs the statement of {@link #newestLoadsSql} for these tables: per table, in their order. */
    public static Map<String, OffsetDateTime> newestLoads(WarehouseDialect dialect, PreparedStatement statement,
                                                          List<String> tables) throws SQLException {
        OffsetDateTime[] newest = new OffsetDateTime[tables.size()];
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                newest[rows.getInt(1)] = dialect.instant(rows, 2);
            }
        }
        Map<String, OffsetDateTime> loads = new LinkedHashMap<>();
        for (int i = 0; i < newest.length; i++) {
            loads.put(tables.get(i), newest[i]);
        }
        return loads;
    }

    /**
     * A number that changes whenever this process changes the columns of a staging table (creates it, adds or
     * widens a column): what lets readers keep a table's column list between cycles instead of asking the
     * catalog each time. Only this process changes the staging schema (one pipeline per warehouse schema).
     */
    public static long schemaVersion() {
        return SCHEMA_VERSION.get();
    }

    /** Called by the writer after each change to a staging table's columns. */
    static void schemaChanged() {
        SCHEMA_VERSION.incrementAndGet();
    }
}
