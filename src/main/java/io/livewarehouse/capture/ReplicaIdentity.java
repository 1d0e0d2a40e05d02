package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which source tables log whole rows for deletes (REPLICA IDENTITY FULL) rather than just their key; asked
 * of the source once per table each time the stream starts.
 */
@ApplicationScoped
public class ReplicaIdentity {

    private final SourceConnections source;
    private final Map<String, Boolean> full = new ConcurrentHashMap<>();

    public ReplicaIdentity(SourceConnections source) {
        this.source = source;
    }

    boolean isFull(String schema, String table) {
        return full.computeIfAbsent(schema + "." + table, this::query);
    }

    void forget() {
        full.clear();
    }

    private boolean query(String qualifiedTable) {
        try (Connection connection = source.open();
             PreparedStatement statement = connection.prepareStatement(
                     "select relreplident = 'f' from pg_class where oid = to_regclass(?)")) {
            statement.setString(1, qualifiedTable);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        } catch (SQLException e) {
            // Unknown: treat the before-image as key-only, which never invents data.
            return false;
        }
    }
}
