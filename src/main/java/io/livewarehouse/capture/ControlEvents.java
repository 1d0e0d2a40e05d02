package io.livewarehouse.capture;

import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;

/**
 * The records of the change stream that carry no table data, told apart by Debezium's identifier header:
 * heartbeats, logical decoding messages (the heartbeat action query emits one) and the BEGIN/END markers of
 * transaction metadata. The capture route stops them at its first step ({@code control-event-filter}); the
 * engine still commits offsets after them, which is how a quiet source's last batch gets written.
 */
final class ControlEvents {

    private ControlEvents() {
    }

    /** A BEGIN or END marker: the next event starts a transaction's numbering anew (see {@link TransactionSequencer}). */
    static boolean transactionMarker(Exchange exchange) {
        String identifier = identifier(exchange);
        return identifier != null && identifier.endsWith(".transaction");
    }

    /** A heartbeat or a logical decoding message. */
    static boolean heartbeatOrMessage(Exchange exchange) {
        String identifier = identifier(exchange);
        return identifier != null && (identifier.startsWith("__debezium-heartbeat") || identifier.endsWith(".message"));
    }

    static String identifier(Exchange exchange) {
        return exchange.getMessage().getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class);
    }
}
