package io.livewarehouse.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.types.TemporalRange;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debezium's encodings of one value, decoded: the staging column type a field's schema calls for, and the
 * value in that type (exact decimals, microsecond timestamps, UTC for zoned values, the texts
 * {@link SourceValueConverter} renders, Debezium's stand-ins for PostgreSQL's infinities). A value the
 * warehouse's column cannot hold comes back as {@link Invalid}, holding the text the source prints for it.
 * {@link ChangeEventConverter} assembles the row.
 */
final class DebeziumValues {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What Debezium makes of PostgreSQL's date and timestamp infinities (PostgresValueConverter's constants). */
    private static final long DATE_INFINITY = PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final long DATE_MINUS_INFINITY = PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay();
    private static final long TIMESTAMP_INFINITY_MILLIS =
            PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE_TIME.toInstant(ZoneOffset.UTC).toEpochMilli();
    private static final long TIMESTAMP_MINUS_INFINITY_MILLIS =
            PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE_TIME.toInstant(ZoneOffset.UTC).toEpochMilli();
    /** time '24:00:00', which PostgreSQL allows and no staging TIME holds. */
    private static final long DAY_MICROS = 86_400_000_000L;

    private final TemporalRange dates;
    private final TemporalRange timestamps;

    /** {@code dates} and {@code timestamps}: what the warehouse's DATE and TIMESTAMP columns hold. */
    DebeziumValues(TemporalRange dates, TemporalRange timestamps) {
        this.dates = dates;
        this.timestamps = timestamps;
    }

    /** A value staging cannot hold, as the source prints it. */
    record Invalid(String sourceText) {
    }

    static ColumnType columnType(Schema schema) {
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case SourceValueConverter.LOGICAL_NAME -> {
                    Map<String, String> parameters = schema.parameters();
                    return switch (parameters.get("kind")) {
                        case "decimal" -> ColumnType.decimal(Integer.parseInt(parameters.get("precision")),
                                Integer.parseInt(parameters.get("scale")));
                        case "json" -> ColumnType.of(Kind.JSON);
                        default -> ColumnType.of(Kind.TEXT);
                    };
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

    Object value(Schema schema, Object raw) {
        if (raw == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case SourceValueConverter.LOGICAL_NAME -> {
                    String text = (String) raw;
                    if (!text.isEmpty() && text.charAt(0) == SourceValueConverter.INVALID) {
                        return new Invalid(text.substring(1));
                    }
                    return "decimal".equals(schema.parameters().get("kind")) ? new BigDecimal(text) : text;
                }
                case "io.debezium.time.Date" -> {
                    long days = ((Number) raw).longValue();
                    if (days == DATE_INFINITY || days == DATE_MINUS_INFINITY) {
                        return new Invalid(days == DATE_INFINITY ? "infinity" : "-infinity");
                    }
                    LocalDate date = LocalDate.ofEpochDay(days);
                    return dates.contains(date) ? date : new Invalid(PostgresText.date(date));
                }
                case "io.debezium.time.Time" -> {
                    return time(((Number) raw).longValue() * 1_000L);
                }
                case "io.debezium.time.MicroTime" -> {
                    return time(((Number) raw).longValue());
                }
                case "io.debezium.time.NanoTime" -> {
                    return time(((Number) raw).longValue() / 1_000L);
                }
                case "io.debezium.time.Timestamp" -> {
                    long millis = ((Number) raw).longValue();
                    if (millis == TIMESTAMP_INFINITY_MILLIS || millis == TIMESTAMP_MINUS_INFINITY_MILLIS) {
                        return new Invalid(millis == TIMESTAMP_INFINITY_MILLIS ? "infinity" : "-infinity");
                    }
                    return timestamp(LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC));
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    long micros = ((Number) raw).longValue();
                    long millis = Math.floorDiv(micros, 1000L);
                    if (millis == TIMESTAMP_INFINITY_MILLIS || millis == TIMESTAMP_MINUS_INFINITY_MILLIS) {
                        return new Invalid(millis == TIMESTAMP_INFINITY_MILLIS ? "infinity" : "-infinity");
                    }
                    return timestamp(LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                            (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC));
                }
                case "io.debezium.time.NanoTimestamp" -> {
                    long nanos = ((Number) raw).longValue();
                    return timestamp(LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                            (int) Math.floorMod(nanos, 1_000_000_000L), ZoneOffset.UTC));
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    String text = (String) raw;
                    if (text.equals("infinity") || text.equals("-infinity")) {
                        return new Invalid(text);
                    }
                    OffsetDateTime instant = OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
                    return timestamps.contains(instant.toLocalDateTime()) ? instant
                            : new Invalid(PostgresText.timestampWithZoneUtc(instant));
                }
                case "io.debezium.data.Json" -> {
                    String json = (String) raw;
                    // PostgreSQL's json type keeps text no warehouse's JSON parser takes (a lone surrogate escape).
                    return PostgresCompositeText.hasLoneSurrogate(json) ? new Invalid(json) : json;
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

    /** A time of day from microseconds; PostgreSQL's 24:00:00 is no time of day any warehouse holds. */
    private static Object time(long micros) {
        if (micros >= DAY_MICROS) {
            return new Invalid(PostgresText.interval(0, 0, micros));
        }
        return LocalTime.ofNanoOfDay(micros * 1_000L);
    }

    private Object timestamp(LocalDateTime timestamp) {
        return timestamps.contains(timestamp) ? timestamp : new Invalid(PostgresText.timestamp(timestamp));
    }

    static byte[] bytes(ByteBuffer buffer) {
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
            return list.stream().map(DebeziumValues::plain).toList();
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
}
