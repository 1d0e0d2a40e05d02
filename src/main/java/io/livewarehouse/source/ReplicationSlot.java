package io.livewarehouse.source;

import io.livewarehouse.config.PipelineSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The pipeline's replication slot as the source sees it (pg_replication_slots): whether a connection streams
 * from it, how far the source's WAL is ahead of what the pipeline has confirmed (the replication lag), and
 * how much WAL the slot holds back on the source's disk. Read at most every two seconds, for the metrics and
 * readiness.
 */
@ApplicationScoped
public class ReplicationSlot {

    /** One reading; {@code exists} false when the slot is not there (yet). */
    public record State(boolean exists, boolean active, long lagBytes, long retainedBytes) {
    }

    private static final long MAX_AGE_NANOS = 2_000_000_000L;

    private final SourceConnections source;
    private final String slotName;
    private volatile State last;
    private volatile long readAt;

    public ReplicationSlot(SourceConnections source, MeterRegistry registry,
                           PipelineSettings settings) {
        this.source = source;
        this.slotName = settings.cdc().slotName();
        Gauge.builder("pipeline.replication.lag", this, slot -> slot.gaugeValue(false))
                .description("Bytes of source WAL past the position the pipeline has confirmed (replication slot lag)")
                .baseUnit("bytes").register(registry);
        Gauge.builder("pipeline.replication.retained", this, slot -> slot.gaugeValue(true))
                .description("Bytes of WAL the replication slot keeps on the source's disk")
                .baseUnit("bytes").register(registry);
    }

    public String name() {
        return slotName;
    }

    /** The slot now (or at most two seconds ago); throws when the source cannot be asked. */
    public State read() throws SQLException {
        State cached = last;
        if (cached != null && System.nanoTime() - readAt < MAX_AGE_NANOS) {
            return cached;
        }
        try (Connection connection = source.open();
             PreparedStatement query = connection.prepareStatement("""
                     select active,
                            (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint,
                            (pg_current_wal_lsn() - restart_lsn)::bigint
                     from pg_replication_slots where slot_name = ?""")) {
            query.setString(1, slotName);
            try (ResultSet row = query.executeQuery()) {
                State state = row.next() ? new State(true, row.getBoolean(1), row.getLong(2), row.getLong(3))
                        : new State(false, false, 0, 0);
                last = state;
                readAt = System.nanoTime();
                return state;
            }
        }
    }

    /** Drops the cached reading: the next one asks the source (the slot changed hands). */
    public void forget() {
        last = null;
    }

    private double gaugeValue(boolean retained) {
        try {
            State state = read();
            return !state.exists() ? Double.NaN : retained ? state.retainedBytes() : state.lagBytes();
        } catch (SQLException e) {
            return Double.NaN;
        }
    }
}
