package io.livewarehouse.staging;

import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Recognises replayed changes so staging holds each once. A replay comes when the engine or its task restarts
 * from stored offsets, which can lie before rows already written without offsets (inside a large
 * transaction) or still buffered. What tells a replayed change from a new one: its key, LSN and operation;
 * for a table keyed by its whole row also its order in the transaction ({@code _cdc_seq}), since identical
 * rows copied in one statement share an LSN.
 *
 * <p>Per staging table it keeps the horizon, the highest LSN the table holds: read when the stream (re)starts
 * or after a failed write, raised by every write. Only events at or below it can be replays, so batches
 * entirely above it, with rising LSNs (the common case), skip the duplicate check. Used under the writer's lock.
 */
final class ReplayGuard {

    private static final Logger LOG = Logger.getLogger(ReplayGuard.class);

    private final WarehouseDialect dialect;
    private final Map<String, Long> horizon = new HashMap<>();

    ReplayGuard(WarehouseDialect dialect) {
        this.dialect = dialect;
    }

    /** The table's horizon; {@link Long#MIN_VALUE} for an empty table, null before it was read. */
    Long horizon(String table) {
        return horizon.get(table);
    }

    /** A write rolled back: the horizon as it was before it. */
    void restore(String table, Long value) {
        horizon.put(table, value);
    }

    /** The table holds rows up to {@code lsn} now (in the open transaction; {@link #forget} if it fails). */
    void raise(String table, long lsn) {
        horizon.merge(table, lsn, Math::max);
    }

    /** A table just created: it holds nothing. */
    void created(String table) {
        horizon.put(table, Long.MIN_VALUE);
    }

    /** Reads the table's horizon from the warehouse unless it is known. */
    void readIfUnknown(Connection connection, String table, String qualified) throws SQLException {
        if (horizon.containsKey(table)) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                dialect.statement("staging-high-water", Map.of("table", qualified)));
             ResultSet row = statement.executeQuery()) {
            row.next();
            long max = row.getLong(1);
            horizon.put(table, row.wasNull() ? Long.MIN_VALUE : max);
        }
    }

    /** Everything is read again next time (the stream restarts, or a transaction failed). */
    void forget() {
        horizon.clear();
    }

    /** The columns that identify a change among replays: its key, and _cdc_seq too when the key is the whole row. */
    static List<String> identity(StagedChange change) {
        boolean wholeRow = change.columns().stream().allMatch(column -> change.keyColumns().contains(column.name()));
        if (!wholeRow) {
            return change.keyColumns();
        }
        List<String> identity = new ArrayList<>(change.keyColumns());
        identity.add(CdcColumns.SEQ);
        return identity;
    }

    /**
     * The rows without the later copies of a streamed change the batch holds twice (same key, LSN and
     * operation): a replay that began while the first delivery was still buffered. Dropped here, so the
     * delete-replayed statements only meet copies from earlier batches, which every warehouse can tell apart
     * by load time (Snowflake has no row id).
     */
    static List<Object[]> withoutCopies(String table, List<Object[]> rows, int[] keyPositions, int[] cdc) {
        Set<List<Object>> seen = new HashSet<>();
        List<Object[]> kept = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            if ("r".equals(row[cdc[0]])) {
                kept.add(row);
                continue;
            }
            List<Object> identity = new ArrayList<>(keyPositions.length + 2);
            identity.add(row[cdc[0]]);
            identity.add(row[cdc[1]]);
            for (int position : keyPositions) {
                Object value = row[position];
                identity.add(value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value);
            }
            if (seen.add(identity)) {
                kept.add(row);
            }
        }
        if (kept.size() < rows.size()) {
            LOG.infof("Staging %s: %d replayed events were in the batch twice and were added once", table,
                    rows.size() - kept.size());
        }
        return kept;
    }

    /**
     * After a batch's rows of one table were appended: removes the copies of changes staging held already.
     * Streamed changes are checked when the batch reaches at or below the horizon or its LSNs do not rise; a
     * snapshot into a table that already had rows may be a redone, interrupted snapshot. Raises the horizon.
     */
    void removeReplayed(Connection connection, String table, String qualified, List<String> identity,
                        List<String> keyColumns, BatchLsns lsns) throws SQLException {
        long before = horizon.get(table);
        if (lsns.firstStreamed() != Long.MAX_VALUE && (lsns.firstStreamed() <= before || !lsns.streamedRising())) {
            remove(connection, table, "delete-replayed-changes", qualified, identity, lsns.firstStreamed());
        }
        if (lsns.snapshotRows() && before != Long.MIN_VALUE) {
            remove(connection, table, "delete-replayed-snapshot", qualified, keyColumns, null);
        }
        horizon.put(table, Math.max(before, lsns.highest()));
    }

    /** What a batch of one table spans: its lowest streamed LSN, whether they rise, whether it has snapshot rows. */
    record BatchLsns(long firstStreamed, long highest, boolean streamedRising, boolean snapshotRows) {
    }

    /** Runs one of the dialect's delete-replayed statements on a staging table; {@code fromLsn} when it takes one. */
    private void remove(Connection connection, String table, String statement, String qualified,
                        List<String> keyColumns, Long fromLsn) throws SQLException {
        String keys = keyColumns.stream().map(column -> ", " + dialect.quote(column)).collect(Collectors.joining());
        // NULL matches NULL: tables without primary key can be keyed by columns that may be NULL.
        String match = keyColumns.stream().map(column -> " and t." + dialect.quote(column) + " is not distinct from copies."
                        + dialect.quote(column))
                .collect(Collectors.joining());
        String sql = dialect.statement(statement, Map.of("table", qualified, "key_columns", keys, "key_match", match));
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            if (fromLsn != null) {
                delete.setLong(1, fromLsn);
            }
            int removed = delete.executeUpdate();
            if (removed > 0) {
                LOG.infof("Staging %s: %d replayed events were already stored and were not added again", table, removed);
            }
        }
    }
}
