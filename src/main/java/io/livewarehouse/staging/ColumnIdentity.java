package io.livewarehouse.staging;

import io.livewarehouse.types.StagingColumn;
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

    /**
     * Per staging table: every name it has recorded, with the source position it stands for now. A name can be
     * recorded at two positions (renamed away, then given to a column added later): the later column has the
     * higher position, as PostgreSQL numbers added columns upwards.
     */
    private final Map<String, Map<String, Integer>> positions = new HashMap<>();

    /** Forgets what was read (after a failed transaction). */
    void forget() {
        positions.clear();
    }

    /** The staging column a source column stands for: itself, or the column it was renamed to. */
    String resolve(Connection connection, WarehouseDialect dialect, String table, StagingColumn column,
                   Collection<String> existing) throws SQLException {
        positions(connection, dialect, table);
        return resolveKnown(table, column, existing);
    }

    /**
     * As {@link #resolve}, from what was read before (for placing the rows of a batch whose DDL ran). With its
     * source position known, a column is the staging column recorded at that position; a name that staging
     * holds for another position is a new column that took an old name, not the renamed one.
     */
    String resolveKnown(String table, StagingColumn column, Collection<String> existing) {
        String name = column.name();
        Map<String, Integer> known = positions.getOrDefault(table, Map.of());
        Integer recorded = known.get(name);
        Integer position = column.sourcePosition();
        if (existing.contains(name) && (position == null || recorded == null || recorded.equals(position))) {
            return name;
        }
        Integer at = position != null ? position : recorded;
        return at == null ? name : holderOf(table, at, existing, name);
    }

    /**
     * The existing staging column that {@code column} was renamed from: the one recorded at the same source
     * position under another name, when staging has no column of the new name yet; null otherwise.
     */
    String renamedFrom(Connection connection, WarehouseDialect dialect, String table, StagingColumn column,
                       Collection<String> existing) throws SQLException {
        if (column.sourcePosition() == null || existing.contains(column.name())) {
            return null;
        }
        positions(connection, dialect, table);
        String holder = holderOf(table, column.sourcePosition(), existing, column.name());
        return holder.equals(column.name()) ? null : holder;
    }

    /**
     * Records where a staging column came from, when known and not recorded yet (tables staged before positions
     * were recorded get theirs the first time their columns come by). A lower position than the one recorded
     * is an event older than the column now under that name, and changes nothing.
     */
    void record(Connection connection, WarehouseDialect dialect, String table, String name, Integer position)
            throws SQLException {
        if (position == null) {
            return;
        }
        Map<String, Integer> known = positions(connection, dialect, table);
        Integer recorded = known.get(name);
        if (recorded != null && recorded >= position) {
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
        List<String[]> rows = rows(connection, dialect, table);
        Integer position = current(rows).get(column);
        List<String> names = new ArrayList<>();
        if (position != null) {
            for (String[] row : rows) {
                if (Integer.parseInt(row[1]) == position && !row[0].equals(column) && !names.contains(row[0])) {
                    names.add(row[0]);
                }
            }
        }
        return names;
    }

    /** Each recorded name with the position it stands for now (the highest recorded for it). */
    private static Map<String, Integer> current(List<String[]> rows) {
        Map<String, Integer> current = new HashMap<>();
        for (String[] row : rows) {
            current.merge(row[0], Integer.parseInt(row[1]), Math::max);
        }
        return current;
    }

    /** A table's recorded (name, source position) pairs, every one it has had. */
    private static List<String[]> rows(Connection connection, WarehouseDialect dialect, String table) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(dialect.statement("read-staging-columns"))) {
            query.setString(1, table);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(new String[] {result.getString(1), Integer.toString(result.getInt(2))});
                }
            }
        }
        return rows;
    }

    private Map<String, Integer> positions(Connection connection, WarehouseDialect dialect, String table) throws SQLException {
        Map<String, Integer> known = positions.get(table);
        if (known == null) {
            known = current(rows(connection, dialect, table));
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
