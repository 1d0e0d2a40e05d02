package io.livewarehouse.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livewarehouse.staging.ColumnType;
import io.livewarehouse.staging.ColumnType.Kind;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.staging.StagingColumn;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts one Debezium change event (a Kafka Connect {@link Struct} and its schema) into a staged row. The
 * one place that knows Debezium's encodings: exact decimals, microsecond timestamps, UTC for zoned values,
 * the unavailable-value placeholder of unchanged TOASTed columns.
 */
public final class ChangeEventConverter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String unavailablePlaceholder;
    private final byte[] unavailablePlaceholderBytes;
    /** Column lists by row schema, by identity (one converter per engine thread). */
    private final Map<Schema, List<StagingColumn>> columnLists = new java.util.IdentityHashMap<>();

    public ChangeEventConverter(String unavailablePlaceholder) {
        this.unavailablePlaceholder = unavailablePlaceholder;
        this.unavailablePlaceholderBytes = unavailablePlaceholder.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param row      the after-image, or the before-image of a delete
     * @param key      the key struct (null for a table without primary key)
     * @param source   Debezium's source metadata (table, lsn, txId, ts_ms, ts_us, snapshot)
     */
    public StagedChange convert(String operation, Struct row, Struct key, Map<String, Object> source, int sequence) {
        if (row == null) {
            throw new IllegalArgumentException("event without row image (operation " + operation + ")");
        }
        List<StagingColumn> columns = columnsOf(row.schema());
        Object[] values = new Object[row.schema().fields().size()];
        List<String> unavailable = new ArrayList<>();
        for (Field field : row.schema().fields()) {
            Object raw = row.get(field);
            if (isUnavailable(raw)) {
                // The source did not send this value (unchanged TOAST): never store the placeholder as data.
                unavailable.add(field.name());
                values[field.index()] = null;
            } else {
                values[field.index()] = value(field.schema(), raw);
            }
        }
        List<String> keyColumns = key == null ? List.of()
                : key.schema().fields().stream().map(Field::name).toList();
        return new StagedChange(
                String.valueOf(source.get("table")),
                columns,
                values,
                keyColumns,
                operation,
                asLong(source.get("lsn")),
                sequence,
                source.get("txId") == null ? null : asLong(source.get("txId")),
                sourceTimestamp(source),
                unavailable);
    }

    /**
     * The staging columns of a row schema, worked out once per schema: Debezium keeps one schema object per
     * table until the table changes, so every event of a table shares one column list (the writer relies on
     * that too, to look at each list once per batch instead of once per event).
     */
    private List<StagingColumn> columnsOf(Schema schema) {
        List<StagingColumn> columns = columnLists.get(schema);
        if (columns == null) {
            if (columnLists.size() > 1000) {
                columnLists.clear();
            }
            List<StagingColumn> built = new ArrayList<>();
            for (Field field : schema.fields()) {
                built.add(new StagingColumn(field.name(), columnType(field.schema())));
            }
            columns = List.copyOf(built);
            columnLists.put(schema, columns);
        }
        return columns;
    }

    /**
     * A delete under REPLICA IDENTITY DEFAULT carries only the key: Debezium fills the other NOT NULL columns
     * of its before-image with type defaults (0, ''), which are not data. Those columns become NULL and are
     * marked unavailable, like unchanged TOAST values.
     */
    static StagedChange keyOnly(StagedChange change) {
        Object[] values = change.values().clone();
        List<String> unavailable = new ArrayList<>(change.unavailableColumns());
        for (int i = 0; i < change.columns().size(); i++) {
            String column = change.columns().get(i).name();
            if (!change.keyColumns().contains(column)) {
                values[i] = null;
                if (!unavailable.contains(column)) {
                    unavailable.add(column);
                }
            }
        }
        return new StagedChange(change.table(), change.columns(), values, change.keyColumns(), change.operation(),
                change.lsn(), change.sequence(), change.transactionId(), change.sourceTimestamp(), unavailable);
    }

    static ColumnType columnType(Schema schema) {
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME -> {
                    Map<String, String> parameters = schema.parameters();
                    int scale = Integer.parseInt(parameters.get(Decimal.SCALE_FIELD));
                    String precision = parameters.get("connect.decimal.precision");
                    return precision == null ? ColumnType.decimal(38, scale) : ColumnType.decimal(Integer.parseInt(precision), scale);
                }
                case "io.debezium.time.Date" -> {
                    return ColumnType.of(Kind.DATE);
                }
                case "io.debezium.time.Time", "io.debezium.time.MicroTime", "io.debezium.time.NanoTime" -> {
                    return ColumnType.of(Kind.TIME);
                }
                case "io.debezium.time.Timestamp", "io.debezium.time.MicroTimestamp", "io.debezium.time.NanoTimestamp" -> {
                    return ColumnType.of(Kind.TIMESTAMP);
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    return ColumnType.of(Kind.TIMESTAMPTZ);
                }
                case "io.debezium.data.Json" -> {
                    return ColumnType.of(Kind.JSON);
                }
                case "io.debezium.data.VariableScaleDecimal" -> {
                    // numeric without a declared scale: kept as its exact text rather than rounded.
                    return ColumnType.of(Kind.TEXT);
                }
                default -> {
                    // io.debezium.data.Enum, Uuid, Xml, ZonedTime...: their primitive type below is right.
                }
            }
        }
        return switch (schema.type()) {
            case INT8, INT16 -> ColumnType.of(Kind.SMALLINT);
            case INT32 -> ColumnType.of(Kind.INTEGER);
            case INT64 -> ColumnType.of(Kind.BIGINT);
            case FLOAT32 -> ColumnType.of(Kind.REAL);
            case FLOAT64 -> ColumnType.of(Kind.DOUBLE);
            case BOOLEAN -> ColumnType.of(Kind.BOOLEAN);
            case STRING -> ColumnType.of(Kind.TEXT);
            case BYTES -> ColumnType.of(Kind.BINARY);
            case ARRAY, MAP, STRUCT -> ColumnType.of(Kind.JSON);
        };
    }

    private Object value(Schema schema, Object raw) {
        if (raw == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME -> {
                    return raw;
                }
                case "io.debezium.time.Date" -> {
                    return LocalDate.ofEpochDay(((Number) raw).longValue());
                }
                case "io.debezium.time.Time" -> {
                    return LocalTime.ofNanoOfDay(((Number) raw).longValue() * 1_000_000L);
                }
                case "io.debezium.time.MicroTime" -> {
                    return LocalTime.ofNanoOfDay(((Number) raw).longValue() * 1_000L);
                }
                case "io.debezium.time.NanoTime" -> {
                    return LocalTime.ofNanoOfDay(((Number) raw).longValue());
                }
                case "io.debezium.time.Timestamp" -> {
                    return LocalDateTime.ofInstant(Instant.ofEpochMilli(((Number) raw).longValue()), ZoneOffset.UTC);
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    long micros = ((Number) raw).longValue();
                    return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                            (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
                }
                case "io.debezium.time.NanoTimestamp" -> {
                    long nanos = ((Number) raw).longValue();
                    return LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                            (int) Math.floorMod(nanos, 1_000_000_000L), ZoneOffset.UTC);
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    return OffsetDateTime.parse((String) raw).withOffsetSameInstant(ZoneOffset.UTC);
                }
                case "io.debezium.data.VariableScaleDecimal" -> {
                    Struct decimal = (Struct) raw;
                    return new BigDecimal(new BigInteger(decimal.getBytes("value")), decimal.getInt32("scale")).toPlainString();
                }
                default -> {
                }
            }
        }
        return switch (schema.type()) {
            case INT8 -> ((Byte) raw).shortValue();
            case BYTES -> raw instanceof ByteBuffer buffer ? bytes(buffer) : raw;
            case ARRAY, MAP, STRUCT -> toJson(plain(raw));
            default -> raw;
        };
    }

    private boolean isUnavailable(Object raw) {
        if (raw instanceof String text) {
            return text.equals(unavailablePlaceholder);
        }
        if (raw instanceof byte[] bytes) {
            return Arrays.equals(bytes, unavailablePlaceholderBytes);
        }
        if (raw instanceof ByteBuffer buffer) {
            return Arrays.equals(bytes(buffer), unavailablePlaceholderBytes);
        }
        if (raw instanceof List<?> list) {
            return list.size() == 1 && isUnavailable(list.get(0));
        }
        return false;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** Connect structures as plain Java values for JSON. */
    private static Object plain(Object value) {
        if (value instanceof Struct struct) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Field field : struct.schema().fields()) {
                map.put(field.name(), plain(struct.get(field)));
            }
            return map;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ChangeEventConverter::plain).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, plain(v)));
            return copy;
        }
        if (value instanceof ByteBuffer buffer) {
            return bytes(buffer);
        }
        return value;
    }

    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private static OffsetDateTime sourceTimestamp(Map<String, Object> source) {
        Object micros = source.get("ts_us");
        if (micros instanceof Number number) {
            long value = number.longValue();
            return OffsetDateTime.ofInstant(Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L),
                    Math.floorMod(value, 1_000_000L) * 1000L), ZoneOffset.UTC);
        }
        Object millis = source.get("ts_ms");
        return millis instanceof Number number
                ? OffsetDateTime.ofInstant(Instant.ofEpochMilli(number.longValue()), ZoneOffset.UTC) : null;
    }

    private static long asLong(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        if (value == null) {
            return 0L;
        }
        return Long.parseLong(value.toString());
    }
}
