package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import org.postgresql.replication.LogSequenceNumber;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether the change stream can go on where staging stopped: the replication slot must exist, still hold the
 * WAL after the stored position, and not have confirmed a position beyond it.
 *
 * <p>Why the pipeline asks before Debezium does: Debezium only finds a missing slot (or one whose restart
 * position passed the stored offset) and then refuses to start for ever, advising a setting this project
 * sets itself; it does not look at a slot PostgreSQL invalidated ({@code max_slot_wal_keep_size}, PostgreSQL
 * 13 on) or at one someone else advanced, and would stream on from it with a silent gap. Every case here is
 * a gap of unknown size: only a new snapshot closes it.
 */
final class LostSlot {

    /** What pg_replication_slots says of the slot; columns read through to_jsonb so that every version answers. */
    private static final String QUERY = """
            select to_jsonb(s) ->> 'wal_status', to_jsonb(s) ->> 'invalidation_reason', plugin, database,
                   (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint, (restart_lsn - '0/0'::pg_lsn)::bigint
            from pg_replication_slots s where slot_name = ?""";

    private LostSlot() {
    }

    /**
     * Why the slot cannot resume from {@code storedLsn} (the LSN of the stored offsets), or null when it can.
     * A negative {@code storedLsn} leaves positions out: only a slot that is gone or invalidated is lost.
     */
    static String reason(SourceConnections source, String slotName, long storedLsn) throws SQLException {
        try (Connection connection = source.open(); PreparedStatement query = connection.prepareStatement(QUERY)) {
            query.setString(1, slotName);
            try (ResultSet slot = query.executeQuery()) {
                if (!slot.next()) {
                    return "replication slot " + slotName + " does not exist (dropped, or not on this server after a "
                            + "failover or a restore)";
                }
                String walStatus = slot.getString(1);
                String invalidation = slot.getString(2);
                if ("lost".equals(walStatus) || invalidation != null) {
                    return "replication slot " + slotName + " was invalidated by the source ("
                            + (invalidation != null ? "invalidation_reason " + invalidation : "wal_status lost")
                            + "; max_slot_wal_keep_size removes the WAL a slot holds once it exceeds that size)";
                }
                if (!"pgoutput".equals(slot.getString(3))) {
                    return "replication slot " + slotName + " uses the " + slot.getString(3)
                            + " plugin, not pgoutput (another tool's slot of the same name)";
                }
                if (!source.settings().database().equals(slot.getString(4))) {
                    return "replication slot " + slotName + " belongs to database " + slot.getString(4) + ", not "
                            + source.settings().database();
                }
                long confirmed = slot.getLong(5);
                boolean noConfirmed = slot.wasNull();
                long restart = slot.getLong(6);
                boolean noRestart = slot.wasNull();
                if (storedLsn >= 0 && (noRestart || (!noConfirmed && confirmed > storedLsn) || restart > storedLsn)) {
                    return "replication slot " + slotName + " has moved past the position staging holds: it confirmed "
                            + (noConfirmed ? "nothing" : LogSequenceNumber.valueOf(confirmed).asString())
                            + ", staging holds everything up to " + LogSequenceNumber.valueOf(storedLsn).asString()
                            + " (the slot was advanced or recreated elsewhere, or the stored offsets are older than "
                            + "the slot: a restored warehouse)";
                }
                return null;
            }
        }
    }

    /**
     * Drops the slot if it is there, once no connection streams from it (the walsender of an earlier attempt
     * may hold it a moment longer). Returns whether it did; throws when it is still held after 30 s.
     */
    static boolean drop(SourceConnections source, String slotName) throws SQLException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try (Connection connection = source.open();
             PreparedStatement drop = connection.prepareStatement(
                     "select pg_drop_replication_slot(slot_name), 1 from pg_replication_slots where slot_name = ? and not active");
             PreparedStatement exists = connection.prepareStatement("select 1 from pg_replication_slots where slot_name = ?")) {
            drop.setString(1, slotName);
            exists.setString(1, slotName);
            while (true) {
                try (ResultSet dropped = drop.executeQuery()) {
                    if (dropped.next()) {
                        return true;
                    }
                }
                try (ResultSet there = exists.executeQuery()) {
                    if (!there.next()) {
                        return false;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("replication slot " + slotName + " is still in use by another connection");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while waiting for replication slot " + slotName, e);
                }
            }
        }
    }
}
