package io.livewarehouse.capture;

import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.types.TemporalRange;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts one Debezium change event (a Kafka Connect {@link Struct} and its schema) into a staged row: the
 * staged columns of each row schema (worked out once per schema), each value decoded by
 * {@link DebeziumValues} (the one place that knows Debezium's encodings), the unavailable-value placeholder
 * of unchanged TOASTed columns marked instead of stored, and the CDC metadata from the source block.
 *
 * <p>A value the staging column cannot hold (±infinity, a date outside what the warehouse stores, time
 * 24:00:00, a numeric NaN in a DECIMAL, JSON no warehouse parses) is staged as NULL and kept, as the source
 * prints it, in the change's {@link StagedChange#invalidValues()}.
 */
public final class ChangeEventConverter {

    private final String unavailablePlaceholder;
    private final byte[] unavailablePlaceholderBytes;
    private final DebeziumValues decoder;
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
        this.decoder = new DebeziumValues(dates, timestamps);
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
            Object value = decoder.value(field.schema(), raw);
            if (value instanceof DebeziumValues.Invalid text) {
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
            value = schema.defaultValue() == null ? null : decoder.value(schema, schema.defaultValue());
        } catch (RuntimeException e) {
            return null;
        }
        return value instanceof DebeziumValues.Invalid || isUnavailable(value) ? null : value;
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
                    columns.add(new StagingColumn(field.name(), DebeziumValues.columnType(field.schema()),
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

    private boolean isUnavailable(Object raw) {
        if (raw instanceof String text) {
            return text.equals(unavailablePlaceholder);
        }
        if (raw instanceof byte[] bytes) {
            return Arrays.equals(bytes, unavailablePlaceholderBytes);
        }
        if (raw instanceof ByteBuffer buffer) {
            return Arrays.equals(DebeziumValues.bytes(buffer), unavailablePlaceholderBytes);
        }
        if (raw instanceof List<?> list) {
            return list.size() == 1 && isUnavailable(list.get(0));
        }
        return false;
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
