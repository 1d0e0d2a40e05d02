package io.livewarehouse.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debezium change records as a real Debezium wrote them, kept as fixtures (one JSON line per record: topic,
 * key and value in Kafka Connect's JSON with schemas, the form {@link JsonConverter} reads back into the same
 * structs and logical types). {@link DebeziumEventRecorder} records them; plain unit tests read them without a
 * database or an engine.
 */
record RecordedEvents(List<Event> events) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One record, as the capture route sees it: Camel's Debezium consumer puts the after-image in the body
     * and the operation, before-image, key and source metadata in headers.
     */
    record Event(String topic, Struct key, Struct value) {

        /** c, u, d or r; null for a transaction marker. */
        String operation() {
            return value != null && value.schema().field("op") != null ? value.getString("op") : null;
        }

        Struct after() {
            return value.getStruct("after");
        }

        Struct before() {
            return value.getStruct("before");
        }

        /** The source block as a map, as Camel's consumer gives it (header {@code CamelDebeziumSourceMetadata}). */
        Map<String, Object> source() {
            Struct source = value.getStruct("source");
            Map<String, Object> map = new LinkedHashMap<>();
            for (Field field : source.schema().fields()) {
                map.put(field.name(), source.get(field));
            }
            return map;
        }

        String table() {
            return value.getStruct("source").getString("table");
        }

        /** BEGIN or END for a transaction marker, else null. */
        String transactionStatus() {
            return value != null && value.schema().field("status") != null ? value.getString("status") : null;
        }
    }

    static RecordedEvents load(String resource) {
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        List<Event> events = new ArrayList<>();
        try (InputStream in = RecordedEvents.class.getResourceAsStream("/debezium-events/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture debezium-events/" + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = JSON.readTree(line);
                String topic = node.get("topic").asText();
                events.add(new Event(topic, struct(keys, topic, node.get("key")), struct(values, topic, node.get("value"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RecordedEvents(List.copyOf(events));
    }

    /** The data changes of one table, in the order Debezium sent them. */
    List<Event> changes(String table) {
        return events.stream().filter(event -> event.operation() != null && event.table().equals(table)).toList();
    }

    /** A fixture line for one record. */
    static String line(SourceRecord record) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", record.topic());
        node.set("key", record.key() == null ? JSON.nullNode()
                : JSON.readTree(converter(true).fromConnectData(record.topic(), record.keySchema(), record.key())));
        // A tombstone (the null value Debezium sends after a delete) stays null.
        node.set("value", record.value() == null ? JSON.nullNode()
                : JSON.readTree(converter(false).fromConnectData(record.topic(), record.valueSchema(), record.value())));
        return JSON.writeValueAsString(node);
    }

    private static Struct struct(JsonConverter converter, String topic, JsonNode node) throws IOException {
        if (node == null || node.isNull()) {
            return null;
        }
        SchemaAndValue data = converter.toConnectData(topic, JSON.writeValueAsBytes(node));
        Struct struct = (Struct) data.value();
        restoreNonFiniteFloats(struct, node.get("payload"));
        return struct;
    }

    /**
     * Kafka's JsonConverter writes a NaN or infinite float as a JSON string and reads it back as 0.0: the value
     * the recorded Debezium sent is put back.
     */
    private static void restoreNonFiniteFloats(Struct struct, JsonNode payload) {
        for (Field field : struct.schema().fields()) {
            JsonNode value = payload.get(field.name());
            if (value == null || value.isNull()) {
                continue;
            }
            if (field.schema().type() == org.apache.kafka.connect.data.Schema.Type.FLOAT32 && value.isTextual()) {
                struct.put(field, Float.parseFloat(value.asText()));
            } else if (field.schema().type() == org.apache.kafka.connect.data.Schema.Type.FLOAT64 && value.isTextual()) {
                struct.put(field, Double.parseDouble(value.asText()));
            } else if (field.schema().type() == org.apache.kafka.connect.data.Schema.Type.STRUCT) {
                restoreNonFiniteFloats(struct.getStruct(field.name()), value);
            }
        }
    }

    private static JsonConverter converter(boolean key) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true", "decimal.format", "NUMERIC"), key);
        return converter;
    }
}
