package io.livewarehouse.capture;

import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The capture route's transaction-sequence step on its own: positions within a transaction, replays numbered alike. */
@Tag("unit")
class TransactionSequencerTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final TransactionSequencer sequencer = new TransactionSequencer();

    @Test
    void changesAreNumberedWithinTheirTransactionAndAReplayFromItsStartGetsTheSameNumbers() {
        assertThat(sequence("c", 700L)).isEqualTo(0);
        assertThat(sequence("u", 700L)).isEqualTo(1);
        assertThat(sequence("d", 700L)).isEqualTo(2);
        assertThat(sequence("c", 701L)).as("a new transaction starts at 0").isEqualTo(0);
        assertThat(sequence("r", null)).as("snapshot rows share the snapshot's LSN; their key tells them apart").isEqualTo(0);

        assertThat(sequence("c", 702L)).isEqualTo(0);
        assertThat(sequence("c", 702L)).isEqualTo(1);
        // The task restarts and Debezium replays transaction 702 from its BEGIN marker.
        sequencer.restart();
        assertThat(sequence("c", 702L)).isEqualTo(0);
        assertThat(sequence("c", 702L)).isEqualTo(1);
        assertThat(sequencer.next()).as("a change split in two takes the next number").isEqualTo(2);
    }

    private int sequence(String operation, Long transaction) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(DebeziumConstants.HEADER_OPERATION, operation);
        exchange.getMessage().setHeader(DebeziumConstants.HEADER_SOURCE_METADATA,
                transaction == null ? Map.of() : Map.of("txId", transaction));
        sequencer.process(exchange);
        return exchange.getMessage().getHeader(TransactionSequencer.SEQUENCE, Integer.class);
    }
}
