package io.livewarehouse.capture;

import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.debezium.DebeziumEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The capture engine's ConsumerFields transformation against Camel's own Debezium endpoint: the exchange it
 * builds from a transformed record is the one it builds from the original, and the transformed records have
 * every field the endpoint reads (so building it throws nothing).
 */
@Tag("unit")
class ConsumerFieldsTest {

    private static final Schema ROW = SchemaBuilder.struct().name("dvd.public.payment.Value").optional()
            .field("payment_id", Schema.INT32_SCHEMA).field("amount", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("dvd.public.payment.Envelope").version(2)
            .field("before", ROW).field("after", ROW).field("source", SOURCE)
            .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema MARKER = SchemaBuilder.struct().name("io.debezium.connector.common.TransactionMetadataValue")
            .field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
            .field("event_count", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).build();
    private static final Map<String, ?> PARTITION = Map.of("server", "dvd");
    private static final Map<String, ?> OFFSET = Map.of("lsn", 4242L, "txId", 700L);

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final ConsumerFields<SourceRecord> transform = new ConsumerFields<>();

    @AfterEach
    void close() throws Exception {
        transform.close();
        camel.close();
    }

    @Test
    void aChangeEventGetsANullDdlAndCamelBuildsTheSameExchangeFromIt() throws Exception {
        SourceRecord change = change(1, "12.50", "u");
        SourceRecord transformed = transform.apply(change);

        Struct value = (Struct) transformed.value();
        assertThat(value.get(ConsumerFields.DDL)).as("the field Camel looks up exists, and is null").isNull();
        assertThat(value.schema().name()).isEqualTo(ENVELOPE.name());
        assertThat(value.schema().version()).isEqualTo(ENVELOPE.version());
        assertThat(value.schema().fields()).hasSize(ENVELOPE.fields().size() + 1);
        assertThat(transformed.sourceOffset()).isEqualTo(OFFSET);
        assertThat(transformed.sourcePartition()).isEqualTo(PARTITION);
        assertThat(transformed.topic()).isEqualTo(change.topic());

        Exchange original = exchange(change);
        Exchange after = exchange(transformed);
        assertThat(after.getMessage().getHeaders()).isEqualTo(original.getMessage().getHeaders());
        assertThat(after.getMessage().getBody()).isEqualTo(original.getMessage().getBody());
        assertThat(after.getMessage().getHeader(DebeziumConstants.HEADER_OPERATION)).isEqualTo("u");

        assertThat(((Struct) transform.apply(change(2, "1.00", "c")).value()).schema())
                .as("one extended schema per envelope schema, kept").isSameAs(value.schema());
        assertThat(ConsumerFields.copiesUnvalidated()).as("the copy takes Struct's value array, unvalidated").isTrue();
        value.validate();
        Struct unchanged = (Struct) change.value();
        for (org.apache.kafka.connect.data.Field field : unchanged.schema().fields()) {
            assertThat(value.get(field.name())).as(field.name()).isSameAs(unchanged.get(field));
        }
    }

    @Test
    void aTransactionMarkerKeepsItsTopicKeyAndOffsetAndLosesItsValue() throws Exception {
        Struct marker = new Struct(MARKER).put("status", "END").put("id", "700:4242").put("event_count", 7L)
                .put("ts_ms", 1L);
        SourceRecord record = new SourceRecord(PARTITION, OFFSET, "dvd.transaction", null,
                Schema.STRING_SCHEMA, "700", MARKER, marker);
        SourceRecord transformed = transform.apply(record);

        assertThat(transformed.value()).isNull();
        assertThat(transformed.topic()).isEqualTo("dvd.transaction");
        assertThat(transformed.key()).isEqualTo("700");
        assertThat(transformed.sourceOffset()).isEqualTo(OFFSET);

        Exchange exchange = exchange(transformed);
        assertThat(ControlEvents.transactionMarker(exchange)).as("the route still tells it apart").isTrue();
        assertThat(exchange.getMessage().getHeader(DebeziumConstants.HEADER_KEY)).isEqualTo("700");
    }

    @Test
    void aLogicalMessageHasAnOpButNoRowAndLosesItsValueToo() throws Exception {
        Schema content = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Message")
                .field("prefix", Schema.STRING_SCHEMA).field("content", Schema.OPTIONAL_BYTES_SCHEMA).build();
        Schema envelope = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("source", SOURCE).field("message", content).build();
        Struct message = new Struct(envelope).put("op", "m").put("ts_ms", 1L)
                .put("source", new Struct(SOURCE).put("txId", 701L).put("lsn", 4243L))
                .put("message", new Struct(content).put("prefix", "live_warehouse_heartbeat"));
        SourceRecord record = new SourceRecord(PARTITION, OFFSET, "dvd.message", null, null, null, envelope, message);
        SourceRecord transformed = transform.apply(record);

        assertThat(transformed.value()).isNull();
        assertThat(transformed.sourceOffset()).isEqualTo(OFFSET);
        assertThat(ControlEvents.heartbeatOrMessage(exchange(transformed))).isTrue();
    }

    @Test
    void aTombstoneAndARecordThatHasADdlPassUnchanged() {
        SourceRecord tombstone = new SourceRecord(PARTITION, OFFSET, "dvd.public.payment", null, null, null, null, null);
        assertThat(transform.apply(tombstone)).isSameAs(tombstone);
        SourceRecord extended = transform.apply(change(1, "2.00", "c"));
        assertThat(transform.apply(extended)).isSameAs(extended);
    }

    private static SourceRecord change(int id, String amount, String operation) {
        Struct row = new Struct(ROW).put("payment_id", id).put("amount", amount);
        Struct source = new Struct(SOURCE).put("txId", 700L).put("lsn", 4242L);
        Struct envelope = new Struct(ENVELOPE).put("before", row).put("after", row).put("source", source)
                .put("op", operation).put("ts_ms", 1_700_000_000_000L);
        return new SourceRecord(PARTITION, OFFSET, "dvd.public.payment", null, Schema.INT32_SCHEMA, id,
                ENVELOPE, envelope);
    }

    private Exchange exchange(SourceRecord record) {
        DebeziumEndpoint<?> endpoint = (DebeziumEndpoint<?>) camel.getEndpoint(
                "debezium-postgres:dvd?databasePassword=unused&topicPrefix=dvd&offsetStorageFileName=target/consumer-fields-offsets");
        return endpoint.createDbzExchange(null, record);
    }
}
