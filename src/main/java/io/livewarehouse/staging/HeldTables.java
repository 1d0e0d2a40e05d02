package io.livewarehouse.staging;

import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tables waiting for a new snapshot of their own (added to the capture, or a resync asked for), as
 * {@code _pipeline.resyncs} lists them, so that a restart holds them too. Until their snapshot is staged
 * their streamed changes are held: staged without a load time, which no model reads. The reads
 * ({@link #pending}, {@link #holds}) take no lock; the changes run under the writer's.
 */
final class HeldTables {

    private static final Logger LOG = Logger.getLogger(HeldTables.class);

    private final Warehouse warehouse;
    private final LoadClock clock;
    /** The staging tables whose changes are held. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Their source tables (schema.table), with why: {@code _pipeline.resyncs} as last read or written. */
    private final Map<String, String> pending = new ConcurrentHashMap<>();

    HeldTables(Warehouse warehouse, LoadClock clock) {
        this.warehouse = warehouse;
        this.clock = clock;
    }

    /** Reads {@code _pipeline.resyncs} again; after a failure, the warehouse says. */
    void reload() {
        try {
            Map<String, String> stored = read();
            pending.keySet().retainAll(stored.keySet());
            pending.putAll(stored);
            held.retainAll(stored.keySet().stream().map(StagingWriter::stagingTableOf).toList());
            stored.keySet().forEach(table -> held.add(StagingWriter.stagingTableOf(table)));
        } catch (SQLException e) {
            LOG.warnf("Could not read _pipeline.resyncs (tables waiting for their snapshot): %s", e.getMessage());
        }
    }

    /** See {@link StagingWriter#hold}. */
    boolean hold(String qualified, String reason) throws SQLException {
        if (read().containsKey(qualified)) {
            held.add(StagingWriter.stagingTableOf(qualified));
            pending.putIfAbsent(qualified, reason);
            return false;
        }
        try (Connection connection = warehouse.connect();
             PreparedStatement insert = connection.prepareStatement(warehouse.dialect().statement("insert-resync"))) {
            insert.setString(1, qualified);
            insert.setString(2, reason);
            warehouse.dialect().bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
            insert.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            reload();
            throw e;
        }
        held.add(StagingWriter.stagingTableOf(qualified));
        pending.put(qualified, reason);
        LOG.infof("Holding the changes of %s until its new snapshot is staged (%s)", qualified, reason);
        return true;
    }

    /** Source tables waiting, with why, as last read or written (no query). */
    Map<String, String> pending() {
        return Map.copyOf(pending);
    }

    boolean waits(String qualifiedSource) {
        return pending.containsKey(qualifiedSource);
    }

    Set<String> tables() {
        return Set.copyOf(held);
    }

    boolean holds(String table) {
        return held.contains(table);
    }

    /** The table's snapshot is staged (committed): it waits no more. */
    void released(String qualifiedSource) {
        pending.remove(qualifiedSource);
        held.remove(StagingWriter.stagingTableOf(qualifiedSource));
    }

    /** {@code _pipeline.resyncs} as the warehouse holds it, oldest first. */
    private Map<String, String> read() throws SQLException {
        Map<String, String> stored = new LinkedHashMap<>();
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(warehouse.dialect().statement("read-resyncs"))) {
            while (rows.next()) {
                stored.put(rows.getString(1), rows.getString(2));
            }
        }
        return stored;
    }

    /** See {@link StagingWriter#cancelResyncsOf}. */
    List<String> cancelAllBut(Collection<String> configured) throws SQLException {
        List<String> cancelled = new ArrayList<>();
        for (Map.Entry<String, String> wait : read().entrySet()) {
            if (!configured.contains(wait.getKey())) {
                cancel(wait.getKey(), wait.getValue());
                released(wait.getKey());
                cancelled.add(wait.getKey());
            }
        }
        return cancelled;
    }

    private void cancel(String qualifiedSource, String reason) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        String table = StagingWriter.stagingTableOf(qualifiedSource);
        String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table);
        try (Connection connection = warehouse.connect()) {
            boolean staged = !StagingCatalog.columns(connection, dialect, dialect.stagingSchema(), table).isEmpty();
            boolean snapshotted = staged && loadedRows(connection, qualified) > 0 && !reason.startsWith(StagingWriter.ADDED);
            connection.setAutoCommit(false);
            try {
                long released = 0;
                OffsetDateTime at = clock.next();
                if (snapshotted) {
                    try (PreparedStatement release = connection.prepareStatement(dialect.statement(
                            "release-held-changes", Map.of("table", qualified)))) {
                        dialect.bind(release, 1, at);
                        released = release.executeUpdate();
                    }
                } else if (staged) {
                    try (Statement remove = connection.createStatement()) {
                        long removed = remove.executeUpdate(dialect.statement("delete-held-changes",
                                Map.of("table", qualified)));
                        LOG.infof("%s was added and removed again before its snapshot: its %d held changes removed",
                                qualifiedSource, removed);
                    }
                }
                try (PreparedStatement done = connection.prepareStatement(dialect.statement("delete-resync"))) {
                    done.setString(1, qualifiedSource);
                    done.executeUpdate();
                }
                connection.commit();
                clock.committed(at);
                LOG.infof("%s is no longer in pipeline.source.tables: its wait for a new snapshot ended, %d held "
                        + "changes staged", qualifiedSource, released);
            } catch (SQLException | RuntimeException e) {
                StagingWriter.rollbackQuietly(connection);
                reload();
                throw e;
            }
        }
    }

    private long loadedRows(Connection connection, String qualified) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(
                warehouse.dialect().statement("count-loaded-rows", Map.of("table", qualified)))) {
            row.next();
            return ((Number) row.getObject(1)).longValue();
        }
    }
}
