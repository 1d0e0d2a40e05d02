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
        Identity identity = new Identity(schema);
        Schema extended = withDdl.get(identity);
        if (extended == null) {
            if (withDdl.size() >= MAX_SCHEMAS) {
                // Old table versions' schemas are not asked for again once their events have passed.
                withDdl.clear();
            }
            extended = withDdl.computeIfAbsent(identity, key -> extend(key.schema()));
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                extended, copy(value, extended), record.timestamp(), record.headers());
    }

    /**
     * {@code value}'s fields in a struct of the {@code extended} schema, {@code ddl} left null. Struct.put
     * validates each value against its schema, and for the nested before, after and source structs that means
     * every one of their fields again (two thirds of this transformation's time in a profile), although
     * Debezium built them against these very schemas. So the values are copied as they are, by Struct's own
     * value array, when that can be reached; otherwise field by field through put. Two differences from a
     * copy through put, neither seen by a reader of Debezium's envelopes (their fields have no defaults and
     * Debezium fills the required ones): a null stays null where a field has a default (Struct.get still
     * answers the default), and a required field left null is not refused here.
     */
    static Struct copy(Struct value, Schema extended) {
        Struct copy = new Struct(extended);
        List<Field> from = value.schema().fields();
        if (VALUES != null) {
            Object[] source = (Object[]) VALUES.get(value);
            Object[] target = (Object[]) VALUES.get(copy);
            if (source.length == from.size() && target.length == from.size() + 1) {
                System.arraycopy(source, 0, target, 0, source.length);
                return copy;
            }
        }
        List<Field> to = extended.fields();
        for (int i = 0; i < from.size(); i++) {
            copy.put(to.get(i), value.get(from.get(i)));
        }
        return copy;
    }

    /** Struct's private value array (Kafka Connect API 4.x), or null where this JVM or version hides it. */
    private static final java.lang.invoke.VarHandle VALUES = valuesHandle();

    private static java.lang.invoke.VarHandle valuesHandle() {
        try {
            return java.lang.invoke.MethodHandles.privateLookupIn(Struct.class, java.lang.invoke.MethodHandles.lookup())
                    .findVarHandle(Struct.class, "values", Object[].class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether copies skip Struct.put's validation (for the tests). */
    static boolean copiesUnvalidated() {
        return VALUES != null;
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
