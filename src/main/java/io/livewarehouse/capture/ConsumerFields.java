package io.livewarehouse.capture;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.transforms.Transformation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The capture engine's last transformation: it hands Camel's Debezium consumer records that have every field
 * the consumer reads, so that building an exchange throws nothing.
 *
 * <p>Why: Camel's {@code DebeziumEndpoint.createDbzExchange} (4.17) reads {@code op}, {@code before},
 * {@code after}, {@code source}, {@code ts_ms} and {@code ddl} from every record's value by name, and
 * Kafka's {@code Struct.get} throws a {@code DataException}, stack trace and all, for a name its schema lacks;
 * Camel catches it and takes null. That is one exception per change event (pgoutput's envelopes have no
 * {@code ddl}) and up to five per transaction marker, heartbeat or logical message: seventeen per
 * seven-change transaction, at about 2 µs each, and 17% of what the record thread allocated in the
 * benchmark's profile. Camel's endpoint class is final, so the records change instead:
 * <ul>
 *   <li>a row change's envelope (it has {@code after}) gets an optional {@code ddl} field, always null: the
 *       same schema otherwise (name, version, fields in their order), made once per table schema and kept;</li>
 *   <li>any other record (no {@code after} field: transaction markers, heartbeats, logical messages) keeps
 *       its topic, key, partition and offset and loses its value, since the capture route tells them apart
 *       by topic alone ({@link ControlEvents}) and stops them at its first step.</li>
 * </ul>
 * The engine commits offsets from the records' source offsets, which neither change touches.
 */
public final class ConsumerFields<R extends ConnectRecord<R>> implements Transformation<R> {

    static final String DDL = "ddl";

    /** Envelope schemas kept at most; a new table version (a relation message) makes a new one. */
    private static final int MAX_SCHEMAS = 1000;
    /** Per envelope schema (Debezium keeps one instance per table version), the same with a ddl field. */
    private final Map<Identity, Schema> withDdl = new ConcurrentHashMap<>();

    @Override
    public R apply(R record) {
        if (!(record.value() instanceof Struct value)) {
            return record;
        }
        Schema schema = value.schema();
        if (schema.field("after") == null) {
            return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                    null, null, record.timestamp(), record.headers());
        }
        if (schema.field(DDL) != null) {
            return record;
        }
        if (withDdl.size() >= MAX_SCHEMAS) {
            // Old table versions' schemas are not asked for again once their events have passed.
            withDdl.clear();
        }
        Schema extended = withDdl.computeIfAbsent(new Identity(schema), identity -> extend(identity.schema()));
        Struct copy = new Struct(extended);
        List<Field> from = schema.fields();
        List<Field> to = extended.fields();
        for (int i = 0; i < from.size(); i++) {
            copy.put(to.get(i), value.get(from.get(i)));
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                extended, copy, record.timestamp(), record.headers());
    }

    /** The envelope's schema with an optional string field {@code ddl} after its own fields. */
    static Schema extend(Schema envelope) {
        SchemaBuilder builder = SchemaBuilder.struct().name(envelope.name()).version(envelope.version())
                .doc(envelope.doc());
        if (envelope.isOptional()) {
            builder.optional();
        }
        if (envelope.parameters() != null) {
            builder.parameters(envelope.parameters());
        }
        for (Field field : envelope.fields()) {
            builder.field(field.name(), field.schema());
        }
        return builder.field(DDL, Schema.OPTIONAL_STRING_SCHEMA).build();
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public void close() {
        withDdl.clear();
    }

    /** A schema compared by identity: ConnectSchema's own equals and hashCode walk every field. */
    private record Identity(Schema schema) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity identity && identity.schema == schema;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(schema);
        }
    }
}
