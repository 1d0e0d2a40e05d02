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

    /** Earlier than any load time: the floor of a table read whole. */
    private static final OffsetDateTime BEGINNING = OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC);

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
     * What a mart cycle starts from: per staging table its newest {@code _cdc_loaded_at} (null for an empty
     * table), and the newest source commit time of any staged row (null when staging is empty).
     */
    public record Newest(Map<String, OffsetDateTime> loads, OffsetDateTime sourceCommit) {
    }

    /**
     * One statement for {@link #newest}, a round trip per mart cycle rather than one per table. Each table's
     * row is tagged with its position in {@code tables} (a UNION ALL keeps no order), so no table name is
     * written into the SQL as a literal; each reads from a load time bound as its floor.
     */
    public static String newestSql(WarehouseDialect dialect, List<String> tables) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            parts.add("select " + i + " as position, max(" + dialect.quote(CdcColumns.LOADED_AT) + ") as newest, max("
                    + dialect.quote(CdcColumns.SOURCE_TS) + ") as newest_commit from "
                    + dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(tables.get(i))
                    + " where " + dialect.quote(CdcColumns.LOADED_AT) + " >= ?");
        }
        return String.join(" union all ", parts);
    }

    /**
     * Runs the statement of {@link #newestSql} for these tables. {@code known} is what the last call found
     * (null for none): each table is read from its newest load then on, since staging is appended to at ever
     * later load times, so a cycle reads the newest blocks of each table (zone maps or micro-partitions prune
     * the rest) instead of the whole of two columns that grow with every change. (Read whole, with rows not
     * yet checkpointed, DuckDB scanned them: 9 to 14 ms of a one-change cycle at scale 10 after 100,000
     * changes.) The source commit time is that of the rows the load times cover: read in the same statement,
     * every row it saw was loaded at or before the newest load.
     */
    public static Newest newest(WarehouseDialect dialect, PreparedStatement statement, List<String> tables, Newest known)
            throws SQLException {
        for (int i = 0; i < tables.size(); i++) {
            OffsetDateTime floor = known == null ? null : known.loads().get(tables.get(i));
            dialect.bind(statement, i + 1, floor == null ? BEGINNING : floor);
        }
        OffsetDateTime[] newest = new OffsetDateTime[tables.size()];
        OffsetDateTime sourceCommit = known == null ? null : known.sourceCommit();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                newest[rows.getInt(1)] = dialect.instant(rows, 2);
                OffsetDateTime commit = dialect.instant(rows, 3);
                if (commit != null && (sourceCommit == null || commit.isAfter(sourceCommit))) {
                    sourceCommit = commit;
                }
            }
        }
        Map<String, OffsetDateTime> loads = new LinkedHashMap<>();
        for (int i = 0; i < newest.length; i++) {
            // Nothing at or after the floor: the rows it came from were taken away (a resync); it stays.
            loads.put(tables.get(i), newest[i] != null || known == null ? newest[i] : known.loads().get(tables.get(i)));
        }
        return new Newest(loads, sourceCommit);
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
        try (PreparedStatement statement = connection.prepareStatement(newestSql(dialect, tables))) {
            return newest(dialect, statement, tables, null).loads();
        }
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
