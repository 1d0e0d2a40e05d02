package io.livewarehouse.capture;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.debezium.DebeziumConstants;

import java.util.Map;
import java.util.Objects;

/**
 * Step {@code transaction-sequence} of the capture route: numbers each change within its source transaction
 * (header {@link #SEQUENCE}). Events of one transaction can share an LSN (COPY, multi-row inserts), so
 * staging tells them apart, and recognises them when they are replayed, by (LSN, sequence).
 *
 * <p>The numbering starts anew at every BEGIN/END marker and whenever the stream starts: when Debezium
 * restarts its task (a dropped replication connection) and replays, from its BEGIN, a transaction it had
 * partly delivered, the replayed events get the numbers they had the first time. Snapshot rows all share the
 * snapshot's LSN and are numbered 0: their key tells them apart. Runs on the engine's single thread.
 */
@ApplicationScoped
public class TransactionSequencer implements Processor {

    /** The change's position in its transaction. */
    static final String SEQUENCE = "LiveWarehouseSequence";

    private Long currentTransaction;
    private int nextSequence;

    @Override
    public void process(Exchange exchange) {
        String operation = exchange.getMessage().getHeader(DebeziumConstants.HEADER_OPERATION, String.class);
        int sequence;
        if ("r".equals(operation)) {
            sequence = 0;
        } else {
            Map<?, ?> source = exchange.getMessage().getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
            Long transaction = source != null && source.get("txId") instanceof Number number ? number.longValue() : null;
            if (!Objects.equals(transaction, currentTransaction)) {
                currentTransaction = transaction;
                nextSequence = 0;
            }
            sequence = nextSequence++;
        }
        exchange.getMessage().setHeader(SEQUENCE, sequence);
    }

    /** A transaction marker passed, or the stream (re)starts from stored offsets (always a transaction boundary). */
    void restart() {
        currentTransaction = null;
        nextSequence = 0;
    }

    /** One more number in the current transaction, for a change the route splits in two (see {@link ReplicaIdentity}). */
    int next() {
        return nextSequence++;
    }
}
