package io.livewarehouse.staging;

import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.support.Messages;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What keeps one change the warehouse refuses (a value a staging column rejects, a column changed by hand)
 * from holding back everything after it: after {@code pipeline.staging.write-attempts} failures in a row the
 * batch is taken apart, by writing each table's changes, then halves of them, in transactions rolled back,
 * down to single changes; those become dead letters. In fail-fast mode the write fails instead, naming the
 * table and the change, and goes on failing until a restart ({@link #refused}). When the warehouse itself
 * refuses every write, no change fails alone where the batch would pass, nothing is set aside, and the write
 * is retried as before. Used under the writer's lock.
 */
final class PoisonIsolation {

    private static final Logger LOG = Logger.getLogger(PoisonIsolation.class);

    private final WarehouseDialect dialect;
    private final StagingAppend append;
    private final StagingSchema schema;
    private final ReplayGuard replay;
    private final boolean deadLetterEnabled;
    /** In fail-fast mode, the change found that the warehouse refuses. */
    private String refused;

    PoisonIsolation(WarehouseDialect dialect, StagingAppend append, StagingSchema schema, ReplayGuard replay,
                    boolean deadLetterEnabled) {
        this.dialect = dialect;
        this.append = append;
        this.schema = schema;
        this.replay = replay;
        this.deadLetterEnabled = deadLetterEnabled;
    }

    /** In fail-fast mode, why staging refuses every batch until a restart; else null. */
    String refused() {
        return refused;
    }

    /**
     * Whether the batch is to be taken apart now: after the bounded attempts, then again after twice as many,
     * and so on, so that a warehouse refusing every write for a long time is not bisected at every retry.
     */
    static boolean due(int failedWrites, int writeAttempts) {
        return failedWrites >= writeAttempts && failedWrites % writeAttempts == 0
                && Integer.bitCount(failedWrites / writeAttempts) == 1;
    }

    /** The batch without the changes that cannot be written on their own; those added to {@code deadLetters}. */
    Map<String, List<StagedChange>> withoutPoison(Connection connection, Map<String, List<StagedChange>> tables,
                                                  Map<String, LinkedHashMap<String, StagingColumn>> sourceColumns,
                                                  OffsetDateTime loadedAt, List<DeadLetter> deadLetters,
                                                  int failedWrites) throws SQLException {
        connection.setAutoCommit(false);
        Map<String, List<StagedChange>> kept = new LinkedHashMap<>();
        for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
            Map<StagedChange, String> poison = new IdentityHashMap<>();
            LinkedHashMap<String, StagingColumn> columns = sourceColumns.get(table.getKey());
            // Not the changes when the table takes no write at all (a missing grant, a read-only warehouse).
            if (takesWrites(connection, table.getKey())) {
                isolate(connection, table.getKey(), table.getValue(), columns, loadedAt, poison);
                // Each one failed once on its own: only one that fails again is set aside, not one that met a
                // passing fault of the warehouse.
                poison.keySet().removeIf(change -> writes(connection, table.getKey(), List.of(change), columns, loadedAt) == null);
            }
            if (poison.isEmpty()) {
                kept.put(table.getKey(), table.getValue());
                continue;
            }
            Map.Entry<StagedChange, String> first = poison.entrySet().stream()
                    .min(Comparator.comparingLong(entry -> entry.getKey().lsn())).orElseThrow();
            if (!deadLetterEnabled) {
                // Fail fast: this is what readiness says from now on, until the cause is fixed and a restart.
                refused = "staging " + table.getKey() + " refuses the change at LSN " + first.getKey().lsn()
                        + " (key " + DeadLetters.keyJson(first.getKey()) + ") after " + failedWrites + " attempts: "
                        + first.getValue() + "; nothing after it is committed (pipeline.staging.dead-letter-enabled=false) "
                        + "until the cause is fixed and the pipeline restarted";
                throw new SQLException(refused);
            }
            List<StagedChange> rest = new ArrayList<>();
            for (StagedChange change : table.getValue()) {
                String error = poison.get(change);
                if (error == null) {
                    rest.add(change);
                } else {
                    deadLetters.add(DeadLetters.of(table.getKey(), change,
                            "not stageable after " + failedWrites + " attempts: " + error, loadedAt));
                }
            }
            if (!rest.isEmpty()) {
                kept.put(table.getKey(), rest);
            }
        }
        return kept;
    }

    /** Whether a staging table takes a write at all: a row it holds, written again and rolled back. */
    private boolean takesWrites(Connection connection, String table) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.statement("write-probe", Map.of("table", schema.qualified(table))));
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Staging %s takes no write: %s", table, e.getMessage());
            return false;
        } finally {
            StagingWriter.rollbackQuietly(connection);
        }
    }

    /** Writes changes of one table in a transaction rolled back: null when that works, else the error. */
    private String writes(Connection connection, String table, List<StagedChange> changes,
                          LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt) {
        Long horizon = replay.horizon(table);
        try {
            append.write(connection, table, changes, sourceColumns, loadedAt, new ArrayList<>());
            return null;
        } catch (SQLException | RuntimeException e) {
            return Messages.of(e);
        } finally {
            StagingWriter.rollbackQuietly(connection);
            replay.restore(table, horizon);
            schema.forgetKey(table);
        }
    }

    /** Finds the changes of one table that fail to be written on their own. */
    private void isolate(Connection connection, String table, List<StagedChange> changes,
                         LinkedHashMap<String, StagingColumn> sourceColumns, OffsetDateTime loadedAt,
                         Map<StagedChange, String> poison) {
        String error = writes(connection, table, changes, sourceColumns, loadedAt);
        if (error == null) {
            return;
        }
        if (changes.size() == 1) {
            poison.put(changes.get(0), error);
            return;
        }
        int half = changes.size() / 2;
        isolate(connection, table, changes.subList(0, half), sourceColumns, loadedAt, poison);
        isolate(connection, table, changes.subList(half, changes.size()), sourceColumns, loadedAt, poison);
    }
}
