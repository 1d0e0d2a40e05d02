package io.livewarehouse.staging;

import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the warehouse's STAGING schema holds: its tables and how far loading has got. */
public final class StagingCatalog {

    private StagingCatalog() {
    }

    /** The staging tables, by name. */
    public static List<String> tables(Connection connection, WarehouseDialect dialect) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "select table_name from information_schema.tables where table_schema = ? order by table_name")) {
            statement.setString(1, dialect.stagingSchema());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
        }
        return tables;
    }

    /** A table's columns and their warehouse type names, in table order (empty when there is no such table). */
    public static Map<String, String> columns(Connection connection, String schema, String table) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "select column_name, data_type from information_schema.columns "
                        + "where table_schema = ? and table_name = ? order by ordinal_position")) {
            statement.setString(1, schema);
            statement.setString(2, table);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return columns;
    }

    /** The newest source commit time among the rows loaded up to {@code through}, or null. */
    public static OffsetDateTime newestSourceCommit(Connection connection, WarehouseDialect dialect, OffsetDateTime through)
            throws SQLException {
        OffsetDateTime newest = null;
        for (String table : tables(connection, dialect)) {
            try (PreparedStatement statement = connection.prepareStatement("select max(" + dialect.quote(CdcColumns.SOURCE_TS)
                    + ") from " + dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table)
                    + " where " + dialect.quote(CdcColumns.LOADED_AT) + " <= ?")) {
                statement.setObject(1, through);
                try (ResultSet row = statement.executeQuery()) {
                    if (row.next()) {
                        OffsetDateTime value = row.getObject(1, OffsetDateTime.class);
                        if (value != null && (newest == null || value.isAfter(newest))) {
                            newest = value;
                        }
                    }
                }
            }
        }
        return newest;
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
        Map<String, OffsetDateTime> newest = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement()) {
            for (String table : tables(connection, dialect)) {
                try (ResultSet row = statement.executeQuery("select max(" + dialect.quote(CdcColumns.LOADED_AT) + ") from "
                        + dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table))) {
                    newest.put(table, row.next() ? row.getObject(1, OffsetDateTime.class) : null);
                }
            }
        }
        return newest;
    }
}
