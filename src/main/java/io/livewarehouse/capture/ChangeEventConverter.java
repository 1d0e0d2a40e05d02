package io.livewarehouse.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.types.TemporalRange;
import io.debezium.connector.postgresql.PostgresValueConverter;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
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
import java.util.Set;

/**
 * Converts one Debezium change event (a Kafka Connect {@link Struct} and its schema) into a staged row. The
 * one place that knows Debezium's encodings: exact decimals, microsecond timestamps, UTC for zoned values,
 * the unavailable-value placeholder of unchanged TOASTed columns, the values {@link SourceValueConverter}
 * renders as the source prints them, and Debezium's stand-ins for PostgreSQL's infinities.
 *
 * <p>A value the staging column cannot hold (±infinity, a date outside what the warehouse stores, time
 * 24:00:00, a numeric NaN in a DECIMAL, JSON no warehouse parses) is staged as NULL and kept, as the source
 * prints it, in the change's {@link StagedChange#invalidValues()}.
 */
public final class ChangeEventConverter {

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

    private final String unavailablePlaceholder;
    private final byte[] unavailablePlaceholderBytes;
    private final TemporalRange dates;
    private final TemporalRange timestamps;
    /** Staged fields and columns by row schema, by identity (one converter per engine thread). */
    private final Map<Schema, Layout> layouts = new java.util.IdentityHashMap<>();

    /** For tests: a warehouse that holds every finite date and timestamp. */
    public ChangeEventConverter(String unavailablePlaceholder) {
        this(unavailablePlaceholder, TemporalRange.UNBOUNDED, TemporalRange.UNBOUNDED);
    }

    /** {@code dates} and {@code timestamps}: what the warehouse's DATE and TIMESTAMP columns hold. */
    public ChangeEventConverter(String unavailablePlaceholder, TemporalRange dates, TemporalRange timestamps) {
        this.unavailablePlaceholder = unavailablePlaceholder;
        this.unavailablePlaceholderBytes = unavailablePlaceholder.getBytes(StandardCharsets.UTF_8);
        this.dates = dates;
        this.timestamps = timestamps;
    }

    /**
     * @param row        the after-image, or the before-image of a delete
     * @param keyColumns the columns that identify the table's rows
     * @param skipped    columns never staged (generated columns the publication does not send)
     * @param sourceColumns the table's columns at the source (empty when unknown), asked once per table schema
     * @param source     Debezium's source metadata (table, lsn, txId, ts_ms, ts_us, snapshot)
     */
    public StagedChange convert(String operation, Struct row, List<String> keyColumns, Set<String> skipped,
                                java.util.function.Supplier<Map<String, CapturedTables.SourceColumn>> sourceColumns,
                                Map<String, Object> source,
                                int sequence) {
        if (row == null) {
            throw new IllegalArgumentException("event without row image (operation " + operation + ")");
        }
        Layout layout = layoutOf(row.schema(), skipped, sourceColumns);
        Object[] values = new Object[layout.fields().size()];
        List<String> unavailable = new ArrayList<>();
        Map<String, String> invalid = null;
        for (int i = 0; i < values.length; i++) {
            Field field = layout.fields().get(i);
            Object raw = row.get(field);
            if (isUnavailable(raw)) {
                // The source did not send this value (unchanged TOAST): never store the placeholder as data.
                unavailable.add(field.name());
                continue;
            }
            Object value = value(field.schema(), raw);
            if (value instanceof Invalid text) {
                if (invalid == null) {
                    invalid = new LinkedHashMap<>();
                }
                invalid.put(field.name(), text.sourceText());
                value = null;
            }
            values[i] = value;
        }
        return new StagedChange(
                String.valueOf(source.get("table")),
                layout.columns(),
                values,
                keyColumns,
                operation,
                asLong(source.get("lsn")),
                sequence,
                source.get("txId") == null ? null : asLong(source.get("txId")),
                sourceTimestamp(source),
                unavailable,
                invalid == null ? Map.of() : invalid);
    }

    /** The columns of a key struct (the primary key, as Debezium sends it). */
    public static List<String> keyColumns(Struct key) {
        return key == null ? List.of() : key.schema().fields().stream().map(Field::name).toList();
    }

    /** A column's constant default as a staged value (Debezium parses constant defaults into the schema). */
    private Object defaultOf(Schema schema) {
        Object value;
        try {
            value = schema.defaultValue() == null ? null : value(schema, schema.defaultValue());
        } catch (RuntimeException e) {
            return null;
        }
        return value instanceof Invalid || isUnavailable(value) ? null : value;
    }

    /** A value staging cannot hold, as the source prints it. */
    private record Invalid(String sourceText) {
    }

    /** The fields of a row schema that are staged, and their staging columns. */
    private record Layout(List<Field> fields, List<StagingColumn> columns) {
    }

    /**
     * The staged fields and columns of a row schema, worked out once per schema: Debezium keeps one schema
     * object per table until the table changes, so every event of a table shares one column list (the writer
     * relies on that too, to look at each list once per batch instead of once per event).
     */
    private Layout layoutOf(Schema schema, Set<String> skipped,
                            java.util.function.Supplier<Map<String, CapturedTables.SourceColumn>> sourceColumns) {
        Layout layout = layouts.get(schema);
        if (layout == null) {
            if (layouts.size() > 1000) {
                layouts.clear();
            }
            List<Field> fields = new ArrayList<>();
            List<StagingColumn> columns = new ArrayList<>();
            Map<String, CapturedTables.SourceColumn> atSource = sourceColumns.get();
            for (Field field : schema.fields()) {
                if (!skipped.contains(field.name())) {
                    fields.add(field);
                    CapturedTables.SourceColumn column = atSource.get(field.name());
                    // Only a constant default is what existing rows read: Debezium gives a computed one as zero.
                    columns.add(new StagingColumn(field.name(), columnType(field.schema()),
                            column != null && column.constantDefault() ? defaultOf(field.schema()) : null,
                            column == null ? null : column.position()));
                }
            }
            layout = new Layout(List.copyOf(fields), List.copyOf(columns));
            layouts.put(schema, layout);
        }
        return layout;
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
                change.lsn(), change.sequence(), change.transactionId(), change.sourceTimestamp(), unavailable,
                change.invalidValues());
    }

    /**
     * The insert half of an update split into delete and insert: a TOASTed value the update left alone comes
     * without its value in the new image, but with it in the old one (REPLICA IDENTITY FULL sends every old
     * value), and the inserted row has no earlier version under its key to take it from.
     */
    static StagedChange withValuesFrom(StagedChange change, StagedChange before) {
        if (change.unavailableColumns().isEmpty()) {
            return change;
        }
        Object[] values = change.values().clone();
        List<String> unavailable = new ArrayList<>(change.unavailableColumns());
        for (int i = 0; i < change.columns().size(); i++) {
            String column = change.columns().get(i).name();
            int earlier = before.columns().indexOf(change.columns().get(i));
            if (unavailable.contains(column) && earlier >= 0 && !before.unavailableColumns().contains(column)) {
                values[i] = before.values()[earlier];
                unavailable.remove(column);
            }
        }
        return new StagedChange(change.table(), change.columns(), values, change.keyColumns(), change.operation(),
                change.lsn(), change.sequence(), change.transactionId(), change.sourceTimestamp(), unavailable,
                change.invalidValues());
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

    private Object value(Schema schema, Object raw) {
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
                    return PostgresText.hasLoneSurrogate(json) ? new Invalid(json) : json;
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
