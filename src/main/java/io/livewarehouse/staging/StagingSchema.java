package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Staging's schema evolution: a staging table is created from the first change of its source table and
 * follows the source's DDL. A column added at the source is added (with its default, as the source's
 * existing rows read it), a renamed column keeps its values under its new name ({@link ColumnIdentity}), a
 * widened type is widened ({@link TypeWidening}); a dropped column stays, NULL from then on; a type change
 * that cannot be widened safely leaves the column and dead-letters the changes carrying it.
 *
 * <p>All of it is DDL, run before the batch's transaction, each statement committed on its own (see
 * {@link StagingWriter#write}). The columns of each table are cached; after a failed transaction they are read
 * again. Used under the writer's lock.
 */
final class StagingSchema {

    private static final Logger LOG = Logger.getLogger(StagingSchema.class);

    private final WarehouseDialect dialect;
    private final ReplayGuard replay;
    /** Columns of each staging table with their types, in table order; loaded on first touch. */
    private final Map<String, Map<String, ColumnType>> known = new HashMap<>();
    /** Which staging column each source column is, across renames. */
    private final ColumnIdentity identity = new ColumnIdentity();
    /** Key columns already recorded in _pipeline.staging_tables by this process. */
    private final Map<String, String> recordedKeys = new HashMap<>();
    /** Whether the open transaction changed the columns of a staging table. */
    private boolean touched;

    StagingSchema(WarehouseDialect dialect, ReplayGuard replay) {
        this.dialect = dialect;
        this.replay = replay;
    }

    /** The stream (re)starts: columns are read again. */
    void reread() {
        known.clear();
        identity.forget();
    }

    /** After a failed transaction: columns and recorded keys are read again. */
    void forget() {
        reread();
        recordedKeys.clear();
    }

    /** A write rolled back: the table's key is recorded again by the next one. */
    void forgetKey(String table) {
        recordedKeys.remove(table);
    }

    /**
     * After a transaction that changed staging columns has ended either way: readers that keep column lists
     * ({@link StagingCatalog#schemaVersion}) read them again. Not at the DDL itself: other connections see it
     * only once committed.
     */
    void settled() {
        if (touched) {
            touched = false;
            StagingCatalog.schemaChanged();
        }
    }

    /** The staging columns of a table this batch touched, with their types. */
    Map<String, ColumnType> types(String table) {
        return known.get(table);
    }

    String qualified(String table) {
        return dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table);
    }

    /**
     * Creates the staging table or adds and widens its columns for this batch's changes (nothing when the
     * columns are known); returns the batch's source columns, in order of first appearance.
     */
    LinkedHashMap<String, StagingColumn> ensureColumns(Connection connection, String table, List<StagedChange> changes)
            throws SQLException {
        // A schema change mid-batch adds columns. Every (column, type) pair is checked, so a type change
        // mid-batch is seen too. Events of one table share their column list until the table changes: each
        // list is looked at once.
        LinkedHashMap<String, StagingColumn> sourceColumns = new LinkedHashMap<>();
        List<StagingColumn> distinctTyped = new ArrayList<>();
        Map<List<StagingColumn>, Boolean> columnLists = new IdentityHashMap<>();
        for (StagedChange change : changes) {
            if (columnLists.put(change.columns(), Boolean.TRUE) != null) {
                continue;
            }
            for (StagingColumn column : change.columns()) {
                sourceColumns.putIfAbsent(column.name(), column);
                if (!distinctTyped.contains(column)) {
                    distinctTyped.add(column);
                }
            }
        }
        ensureTable(connection, table, qualified(table), distinctTyped);
        return sourceColumns;
    }

    void ensureTable(Connection connection, String table, String qualified, List<StagingColumn> sourceColumns)
            throws SQLException {
        Map<String, ColumnType> existing = known.get(table);
        if (existing == null) {
            existing = readColumns(connection, table);
            if (existing.isEmpty()) {
                create(connection, table, qualified, sourceColumns);
                existing = readColumns(connection, table);
                replay.created(table);
            } else {
                addMissingCdcColumns(connection, qualified, existing);
            }
            replay.readIfUnknown(connection, table, qualified);
            known.put(table, existing);
        }
        // Renames first: a column renamed and another added under its old name come in one table schema.
        for (StagingColumn column : sourceColumns) {
            String renamedFrom = identity.renamedFrom(connection, dialect, table, column, existing.keySet());
            if (renamedFrom != null) {
                // RENAME COLUMN at the source: the column keeps its values, under its new name.
                execute(connection, dialect.statement("rename-column", Map.of("table", qualified,
                        "column", dialect.quote(renamedFrom), "new_name", dialect.quote(column.name()))));
                Map<String, ColumnType> renamed = new LinkedHashMap<>();
                existing.forEach((old, type) -> renamed.put(old.equals(renamedFrom) ? column.name() : old, type));
                existing.clear();
                existing.putAll(renamed);
                identity.record(connection, dialect, table, column.name(), column.sourcePosition());
                LOG.infof("Staging: renamed column %s of %s to %s", renamedFrom, qualified, column.name());
            }
        }
        for (StagingColumn column : sourceColumns) {
            String name = identity.resolve(connection, dialect, table, column, existing.keySet());
            ColumnType current = existing.get(name);
            if (current != null && name.equals(column.name())) {
                identity.record(connection, dialect, table, name, column.sourcePosition());
            }
            if (current == null) {
                // ADD COLUMN at the source: older rows read NULL, or the column's default when it was added with
                // one (as every existing row reads it at the source, without a change event).
                String literal = column.defaultValue() == null ? null : dialect.literal(column.type(), column.defaultValue());
                execute(connection, literal == null
                        ? dialect.statement("add-column", Map.of("table", qualified,
                                "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type())))
                        : dialect.statement("add-column-with-default", Map.of("table", qualified,
                                "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type()),
                                "default", literal)));
                existing.put(column.name(), column.type());
                identity.record(connection, dialect, table, column.name(), column.sourcePosition());
                LOG.infof("Staging: added column %s %s%s to %s", column.name(), dialect.typeOf(column.type()),
                        literal == null ? "" : " default " + literal, qualified);
            } else if (!TypeWidening.canHold(current, column.type()) && TypeWidening.canHold(column.type(), current)) {
                // A widening type change at the source (integer to bigint, numeric(5,2) to numeric(7,2)).
                execute(connection, dialect.statement("widen-column", Map.of("table", qualified,
                        "column", dialect.quote(name), "type", dialect.typeOf(column.type()))));
                existing.put(name, column.type());
                LOG.infof("Staging: widened column %s of %s from %s to %s", name, qualified,
                        dialect.typeOf(current), dialect.typeOf(column.type()));
            }
            // Any other type change leaves the column as it is; the events carrying it are dead-lettered.
        }
    }

    private void create(Connection connection, String table, String qualified, List<StagingColumn> sourceColumns)
            throws SQLException {
        LinkedHashMap<String, StagingColumn> first = new LinkedHashMap<>();
        sourceColumns.forEach(column -> first.putIfAbsent(column.name(), column));
        List<StagingColumn> all = new ArrayList<>(first.values());
        all.addAll(CdcColumns.ALL);
        String definition = all.stream()
                .map(column -> dialect.quote(column.name()) + " " + dialect.typeOf(column.type()))
                .collect(Collectors.joining(",\n    "));
        execute(connection, dialect.statement("create-staging-table", Map.of("table", qualified, "columns", definition)));
        LOG.infof("Staging: created table %s with %d source columns", qualified, first.size());
        for (StagingColumn column : first.values()) {
            identity.record(connection, dialect, table, column.name(), column.sourcePosition());
        }
    }

    /**
     * A staging table made by an earlier version lacks the CDC columns added since (_cdc_invalid): add them,
     * NULL for the rows already there.
     */
    private void addMissingCdcColumns(Connection connection, String qualified, Map<String, ColumnType> existing)
            throws SQLException {
        for (StagingColumn column : CdcColumns.ALL) {
            if (!existing.containsKey(column.name())) {
                execute(connection, dialect.statement("add-column", Map.of("table", qualified,
                        "column", dialect.quote(column.name()), "type", dialect.typeOf(column.type()))));
                existing.put(column.name(), column.type());
                LOG.infof("Staging: added column %s to %s", column.name(), qualified);
            }
        }
    }

    private void execute(Connection connection, String ddl) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            touched = true;
            statement.execute(ddl);
        }
    }

    /** Records the table's key once per process, for the models that keep its current state. */
    void recordKey(Connection connection, String table, List<String> keyColumns) throws SQLException {
        String joined = String.join(",", keyColumns);
        if (joined.equals(recordedKeys.get(table))) {
            return;
        }
        try (PreparedStatement delete = connection.prepareStatement(dialect.statement("delete-staging-table"));
             PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-staging-table"))) {
            delete.setString(1, table);
            delete.executeUpdate();
            insert.setString(1, table);
            insert.setString(2, joined);
            insert.executeUpdate();
        }
        recordedKeys.put(table, joined);
    }

    /** Why a change cannot go into the staging table as it is, or null when it can. */
    String typeProblem(StagedChange change, Map<String, ColumnType> tableTypes) {
        for (StagingColumn column : change.columns()) {
            ColumnType staged = tableTypes.get(column.name());
            if (staged != null && !TypeWidening.canHold(staged, column.type())) {
                return "type change of source column " + change.table() + "." + column.name() + ": staging has "
                        + dialect.typeOf(staged) + ", the event carries " + dialect.typeOf(column.type())
                        + ", which cannot be widened safely; fix the staging column or the source, then replay";
            }
        }
        return null;
    }

    Map<String, ColumnType> readColumns(Connection connection, String table) throws SQLException {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        StagingCatalog.columns(connection, dialect, dialect.stagingSchema(), table)
                .forEach((name, type) -> columns.put(name, dialect.parseType(type)));
        return columns;
    }

    /** The staging column a batch's source column goes to (a renamed column under its new name). */
    String resolveKnown(String table, StagingColumn column, Set<String> names) {
        return identity.resolveKnown(table, column, names);
    }

    /** The batch's columns in the table's own column order, which appending by position needs. */
    List<StagingColumn> tableColumnOrder(String table, List<StagingColumn> batchColumns) {
        Map<String, StagingColumn> byName = new HashMap<>();
        Set<String> names = known.get(table).keySet();
        batchColumns.forEach(column -> byName.putIfAbsent(identity.resolveKnown(table, column, names), column));
        List<StagingColumn> order = new ArrayList<>();
        for (String name : names) {
            // A column the batch does not carry (dropped at the source) is appended as NULL.
            order.add(byName.getOrDefault(name, new StagingColumn(name, null)));
        }
        return order;
    }
}
