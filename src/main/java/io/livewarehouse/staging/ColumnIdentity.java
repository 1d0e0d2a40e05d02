package io.livewarehouse.staging;

import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which staging column a source column is, kept in {@code _pipeline.staging_columns}: each staging column's
 * position in its source table (pg_attribute.attnum). PostgreSQL keeps a column's position when it is renamed
 * and never gives an added column a position used before, so a column arriving under a new name at a known
 * position is the renamed column: its staging column is renamed too, and the rows that never change again keep
 * their values under the new name, as they do at the source. Changes still carrying the old name (staged in
 * the same batch, or replayed) land in the renamed column.
 */
public final class ColumnIdentity {

    /** Per staging table: every name it has recorded, with its source position (old names stay). */
    private final Map<String, Map<String, Integer>> positions = new HashMap<>();

    /** Forgets what was read (after a failed transaction). */
    void forget() {
        positions.clear();
    }

    /** The staging column a source column name stands for: itself, or the column it was renamed to. */
    String resolve(Connection connection, WarehouseDialect dialect, String table, String name, Collection<String> existing)
            throws SQLException {
        if (existing.contains(name)) {
            return name;
        }
        Integer position = positions(connection, dialect, table).get(name);
        return position == null ? name : holderOf(table, position, existing, name);
    }

    /** As {@link #resolve}, from what was read before (for placing the rows of a batch whose DDL ran). */
    String resolveKnown(String table, String name, Collection<String> existing) {
        if (existing.contains(name)) {
            return name;
        }
        Map<String, Integer> known = positions.get(table);
        Integer position = known == null ? null : known.get(name);
        return position == null ? name : holderOf(table, position, existing, name);
    }

    /**
     * The existing staging column that {@code column} (not in staging under its name) was renamed from: the one
     * recorded at the same source position; null when it is a new column.
     */
    String renamedFrom(Connection connection, WarehouseDialect dialect, String table, StagingColumn column,
                       Collection<String> existing) throws SQLException {
        if (column.sourcePosition() == null) {
            return null;
        }
        positions(connection, dialect, table);
        String holder = holderOf(table, column.sourcePosition(), existing, column.name());
        return holder.equals(column.name()) ? null : holder;
    }

    /** Records where a staging column came from, when known. */
    void record(Connection connection, WarehouseDialect dialect, String table, String name, Integer position)
            throws SQLException {
        if (position == null) {
            return;
        }
        Map<String, Integer> known = positions(connection, dialect, table);
        if (position.equals(known.get(name))) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-staging-column"))) {
            insert.setString(1, table);
            insert.setString(2, name);
            insert.setInt(3, position);
            insert.executeUpdate();
        }
        known.put(name, position);
    }

    /**
     * The other names a staging table's column has had (renames), as recorded: what a table derived from staging
     * (the current state) may still call it.
     */
    public static List<String> earlierNames(Connection connection, WarehouseDialect dialect, String table, String column)
            throws SQLException {
        Map<String, Integer> recorded = read(connection, dialect, table);
        Integer position = recorded.get(column);
        List<String> names = new ArrayList<>();
        if (position != null) {
            recorded.forEach((name, at) -> {
                if (at.equals(position) && !name.equals(column)) {
                    names.add(name);
                }
            });
        }
        return names;
    }

    /** A table's recorded source positions by column name (every name it has had). */
    static Map<String, Integer> read(Connection connection, WarehouseDialect dialect, String table) throws SQLException {
        Map<String, Integer> read = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(dialect.statement("read-staging-columns"))) {
            query.setString(1, table);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    read.put(rows.getString(1), rows.getInt(2));
                }
            }
        }
        return read;
    }

    private Map<String, Integer> positions(Connection connection, WarehouseDialect dialect, String table) throws SQLException {
        Map<String, Integer> known = positions.get(table);
        if (known == null) {
            known = read(connection, dialect, table);
            positions.put(table, known);
        }
        return known;
    }

    /** The existing column recorded at the position (other than {@code name}), or {@code name} when none is. */
    private String holderOf(String table, int position, Collection<String> existing, String name) {
        for (Map.Entry<String, Integer> entry : positions.getOrDefault(table, Map.of()).entrySet()) {
            if (entry.getValue() == position && !entry.getKey().equals(name) && existing.contains(entry.getKey())) {
                return entry.getKey();
            }
        }
        return name;
    }
}
