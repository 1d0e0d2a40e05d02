package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagedChange;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Step {@code replica-identity} of the capture route: what a change means depends on what the source logs for
 * its table.
 * <ul>
 *   <li>A delete under REPLICA IDENTITY DEFAULT carries only the key; Debezium fills the other columns of its
 *       before-image with type defaults (0, ''), which are not data: they become NULL and are marked unavailable.
 *       Whether a table logs whole rows (FULL) is asked of the source once per table each time the stream
 *       starts, when its first delete comes (so an ALTER TABLE ... REPLICA IDENTITY FULL while streaming counts).</li>
 *   <li>An update that changed a key Debezium does not know (a table without primary key) is a delete of the
 *       old row and an insert of the new one, as Debezium itself sends a primary key change: the current state
 *       is kept by key. A table keyed by its whole row changes key with every update.</li>
 * </ul>
 */
@ApplicationScoped
public class ReplicaIdentity implements Processor {

    private final SourceConnections source;
    private final TransactionSequencer sequencer;
    private final Map<String, Boolean> full = new ConcurrentHashMap<>();

    public ReplicaIdentity(SourceConnections source, TransactionSequencer sequencer) {
        this.source = source;
        this.sequencer = sequencer;
    }

    @Override
    public void process(Exchange exchange) {
        CapturedEvent event = exchange.getMessage().getBody(CapturedEvent.class);
        List<StagedChange> changes = new ArrayList<>(2);
        for (StagedChange change : event.changes()) {
            StagedChange old = event.before();
            if (old != null && (event.table().wholeRow() || !keyValues(old).equals(keyValues(change)))) {
                changes.add(old);
                StagedChange insert = new StagedChange(change.table(), change.columns(), change.values(),
                        change.keyColumns(), "c", change.lsn(), sequencer.next(), change.transactionId(),
                        change.sourceTimestamp(), change.unavailableColumns(), change.invalidValues());
                changes.add(ChangeEventConverter.withValuesFrom(insert, old));
            } else if (change.deleted() && !isFull(event.schema(), change.table())) {
                changes.add(ChangeEventConverter.keyOnly(change));
            } else {
                changes.add(change);
            }
        }
        exchange.getMessage().setBody(event.withChanges(changes));
    }

    boolean isFull(String schema, String table) {
        return full.computeIfAbsent(schema + "." + table, this::query);
    }

    /** The stream (re)starts: a table's replica identity may have changed while it was stopped. */
    void forget() {
        full.clear();
    }

    private static List<Object> keyValues(StagedChange change) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < change.columns().size(); i++) {
            if (change.keyColumns().contains(change.columns().get(i).name())) {
                Object value = change.values()[i];
                values.add(value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value);
            }
        }
        return values;
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
