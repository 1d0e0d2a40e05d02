package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Snapshot progress per table: rows read so far against the planner's estimate of the table's size, logged
 * every few seconds and published as the gauges {@code pipeline_snapshot_rows} and
 * {@code pipeline_snapshot_rows_estimated}.
 */
@ApplicationScoped
public class SnapshotProgress {

    private static final Logger LOG = Logger.getLogger(SnapshotProgress.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final SourceConnections source;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> estimates = new ConcurrentHashMap<>();
    private long lastLog = System.nanoTime();

    public SnapshotProgress(SourceConnections source, MeterRegistry registry) {
        this.source = source;
        this.registry = registry;
    }

    /** One snapshot row of {@code schema.table} was read. Called on the engine thread. */
    void rowRead(String schema, String table) {
        String name = schema + "." + table;
        long count = counter(name).incrementAndGet();
        long now = System.nanoTime();
        if (now - lastLog >= LOG_EVERY_NANOS) {
            lastLog = now;
            long estimate = estimates.get(name).get();
            LOG.infof("Snapshot progress: %s %d of about %d rows (%d%%)", name, count, estimate,
                    estimate > 0 ? Math.min(100, count * 100 / estimate) : 100);
        }
    }

    /** The snapshot by COPY staged {@code rows} rows of {@code schema.table}. */
    void tableCopied(String schema, String table, long copied) {
        counter(schema + "." + table).addAndGet(copied);
    }

    private AtomicLong counter(String name) {
        AtomicLong count = rows.get(name);
        if (count == null) {
            count = new AtomicLong();
            rows.put(name, count);
            AtomicLong estimate = new AtomicLong(estimate(name));
            estimates.put(name, estimate);
            Gauge.builder("pipeline.snapshot.rows", count, AtomicLong::get)
                    .description("Rows of the table read by the snapshot so far").tag("table", name).register(registry);
            Gauge.builder("pipeline.snapshot.rows.estimated", estimate, AtomicLong::get)
                    .description("The source's estimate of the table's row count when its snapshot began")
                    .tag("table", name).register(registry);
        }
        return count;
    }

    /** Rows read per table in this process's snapshots. */
    public Map<String, Long> rowsRead() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        rows.forEach((table, count) -> copy.put(table, count.get()));
        return copy;
    }

    /** Per table, the source's estimate of its rows when its snapshot began. */
    public Map<String, Long> estimates() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        estimates.forEach((table, estimate) -> copy.put(table, estimate.get()));
        return copy;
    }

    private long estimate(String qualifiedTable) {
        try (Connection connection = source.open();
             PreparedStatement statement = connection.prepareStatement(
                     "select greatest(reltuples, 0)::bigint from pg_class where oid = to_regclass(?)")) {
            statement.setString(1, qualifiedTable);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        } catch (Exception e) {
            LOG.debugf(e, "No row estimate for %s", qualifiedTable);
            return 0;
        }
    }
}
