package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Appends one table's changes of a batch to its staging table, in the batch's transaction: each change
 * becomes a row in the table's own column order (source columns, widened where staging's type is wider, then
 * the CDC columns), replays are removed ({@link ReplayGuard}), and a change whose type staging cannot hold
 * becomes a dead letter (or fails the batch, in fail-fast mode). Used under the writer's lock.
 */
final class StagingAppend {

    private final WarehouseDialect dialect;
    private final StagingSchema schema;
    private final ReplayGuard replay;
    /** Whether a staging table's streamed changes are held for its new snapshot (staged without a load time). */
    private final Predicate<String> holding;
    private final boolean deadLetterEnabled;

    StagingAppend(WarehouseDialect dialect, StagingSchema schema, ReplayGuard replay, Predicate<String> holding,
                  boolean deadLetterEnabled) {
        this.dialect = dialect;
        this.schema = schema;
        this.replay = replay;
        this.holding = holding;
        this.deadLetterEnabled = deadLetterEnabled;
    }

    /** Appends one table's changes; {@code sourceColumns} is what {@link StagingSchema#ensureColumns} made the table hold. */
    void write(Connection connection, String table, List<StagedChange> changes,
               LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt,
               List<DeadLetter> deadLetters) throws SQLException {
        schema.recordKey(connection, table, changes.get(0).keyColumns());
        changes = writable(table, changes, loadedAt, deadLetters);
        if (changes.isEmpty()) {
            return;
        }
        List<StagingColumn> columns = new ArrayList<>(sourceColumns.values());
        columns.addAll(CdcColumns.ALL);
        List<StagingColumn> tableOrder = schema.tableColumnOrder(table, columns);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < tableOrder.size(); i++) {
            position.put(tableOrder.get(i).name(), i);
        }
        int[] cdc = CdcColumns.ALL.stream().mapToInt(column -> position.get(column.name())).toArray();
        List<Object[]> rows = new ArrayList<>(changes.size());
        // Streamed changes of one table normally arrive with rising LSNs. A replay brings LSNs at or below ones
        // already seen; so do interleaved transactions. Either way the batch is checked for copies.
        long firstStreamedLsn = Long.MAX_VALUE;
        long highestLsn = Long.MIN_VALUE;
        boolean streamedRising = true;
        boolean snapshotRows = false;
        Map<List<StagingColumn>, int[]> placements = new IdentityHashMap<>();
        // Per column list, the staging types its values must be converted to (null where they already match).
        Map<List<StagingColumn>, ColumnType[]> conversions = new IdentityHashMap<>();
        Map<String, ColumnType> stagedTypes = schema.types(table);
        // A table waiting for its new snapshot: its changes are staged without a load time until then.
        boolean held = holding.test(table);
        for (StagedChange change : changes) {
            Object[] row = new Object[tableOrder.size()];
            int[] placement = placements.computeIfAbsent(change.columns(), list -> list.stream()
                    .mapToInt(column -> position.get(schema.resolveKnown(table, column, position.keySet())))
                    .toArray());
            ColumnType[] convert = conversions.computeIfAbsent(change.columns(),
                    list -> conversions(list, placement, tableOrder, stagedTypes));
            for (int i = 0; i < placement.length; i++) {
                Object value = change.values()[i];
                row[placement[i]] = convert == null || convert[i] == null ? value : TypeWidening.widened(convert[i], value);
            }
            row[cdc[0]] = change.operation();
            row[cdc[1]] = change.lsn();
            row[cdc[2]] = change.sequence();
            row[cdc[3]] = change.transactionId();
            row[cdc[4]] = change.sourceTimestamp();
            row[cdc[5]] = held ? null : loadedAt;
            row[cdc[6]] = change.deleted();
            row[cdc[7]] = change.unavailableColumns().isEmpty() ? null : DeadLetters.toJson(change.unavailableColumns());
            row[cdc[8]] = PgJson.object(change.invalidValues());
            rows.add(row);
            if ("r".equals(change.operation())) {
                snapshotRows = true;
            } else {
                streamedRising &= change.lsn() > highestLsn;
                firstStreamedLsn = Math.min(firstStreamedLsn, change.lsn());
            }
            highestLsn = Math.max(highestLsn, change.lsn());
        }
        List<String> identity = ReplayGuard.identity(changes.get(0));
        if (!streamedRising) {
            rows = ReplayGuard.withoutCopies(table, rows, identity.stream().mapToInt(position::get).toArray(), cdc);
        }
        dialect.append(connection, dialect.stagingSchema(), table, tableOrder, rows);
        replay.removeReplayed(connection, table, schema.qualified(table), identity, changes.get(0).keyColumns(),
                new ReplayGuard.BatchLsns(firstStreamedLsn, highestLsn, streamedRising, snapshotRows));
    }

    /** The changes whose types staging holds; the others dead-lettered (fail-fast: the batch fails). */
    private List<StagedChange> writable(String table, List<StagedChange> changes, OffsetDateTime loadedAt,
                                        List<DeadLetter> deadLetters) throws SQLException {
        Map<String, ColumnType> tableTypes = schema.types(table);
        List<StagedChange> writable = new ArrayList<>(changes.size());
        Map<List<StagingColumn>, Optional<String>> problems = new IdentityHashMap<>();
        for (StagedChange change : changes) {
            String problem = problems.computeIfAbsent(change.columns(),
                    columns -> Optional.ofNullable(schema.typeProblem(change, tableTypes))).orElse(null);
            if (problem == null) {
                writable.add(change);
            } else {
                if (!deadLetterEnabled) {
                    // Fail fast: nothing of this batch is stored and its offsets are not committed.
                    throw new SQLException(problem + " (pipeline.staging.dead-letter-enabled=false)");
                }
                deadLetters.add(DeadLetters.of(table, change, problem, loadedAt));
            }
        }
        return writable;
    }

    private static ColumnType[] conversions(List<StagingColumn> list, int[] placement, List<StagingColumn> tableOrder,
                                            Map<String, ColumnType> stagedTypes) {
        ColumnType[] types = new ColumnType[list.size()];
        boolean any = false;
        for (int i = 0; i < types.length; i++) {
            ColumnType staged = stagedTypes.get(tableOrder.get(placement[i]).name());
            if (staged != null && !staged.equals(list.get(i).type())) {
                types[i] = staged;
                any = true;
            }
        }
        return any ? types : null;
    }
}
