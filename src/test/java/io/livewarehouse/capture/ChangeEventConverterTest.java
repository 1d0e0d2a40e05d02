package io.livewarehouse.capture;

import io.livewarehouse.capture.RecordedEvents.Event;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.SnowflakeDialect;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The converter on records a real Debezium sent ({@code debezium-events/every-kind.jsonl}, recorded by
 * {@link DebeziumEventRecorder} with the capture route's settings): each value as staging holds it, in the
 * type its column gets; what staging cannot hold as NULL with the source's text kept; unchanged TOAST marked
 * unavailable, never stored as the placeholder; key-only and identity-FULL images. No database, no engine.
 */
@Tag("unit")
class ChangeEventConverterTest {

    private static final RecordedEvents EVENTS = RecordedEvents.load("every-kind.jsonl");
    /** Snowflake's DATE and TIMESTAMP ranges (years 1 to 9999), the narrowest a warehouse here has. */
    private static final SnowflakeDialect SNOWFLAKE = new SnowflakeDialect("STAGING", "MARTS", "_PIPELINE");

    private final ChangeEventConverter converter = new ChangeEventConverter(DebeziumEventRecorder.PLACEHOLDER,
            SNOWFLAKE.dateRange(), SNOWFLAKE.timestampRange());

    @Test
    void aSnapshotRowIsStagedValueByValueInExactTypes() {
        Event read = EVENTS.changes("kinds").get(0);
        assertThat(read.operation()).isEqualTo("r");
        StagedChange row = convert(read, read.after());
        Map<String, Object> values = values(row);

        assertThat(values.get("c_smallint")).isEqualTo((short) 32767);
        assertThat(values.get("c_bigint")).isEqualTo(Long.MIN_VALUE);
        assertThat(values.get("c_numeric")).isEqualTo("12345678901234567890.123456789");
        assertThat(values.get("c_numeric_ps")).isEqualTo(new BigDecimal("12345.67"));
        assertThat(values.get("c_money")).isEqualTo(new BigDecimal("1234567.89"));
        assertThat(values.get("c_real")).isEqualTo(3.5f);
        assertThat(values.get("c_double")).isEqualTo(1e300);
        assertThat(values.get("c_boolean")).isEqualTo(true);
        assertThat(values.get("c_varchar")).isEqualTo("héllo");
        assertThat((String) values.get("c_text")).hasSize(400 * 32).startsWith("c4ca4238a0b923820dcc509a6f75849b");
        assertThat((byte[]) values.get("c_bytea")).containsExactly(0xde, 0xad, 0xbe, 0xef);
        assertThat(values.get("c_date")).isEqualTo(LocalDate.of(2005, 5, 24));
        assertThat(values.get("c_timestamp")).isEqualTo(LocalDateTime.of(2005, 5, 24, 22, 53, 30, 123_456_000));
        // Zoned values in UTC: +02 at 22:53:30.25 is 20:53:30.25Z.
        assertThat(values.get("c_timestamptz")).isEqualTo(OffsetDateTime.of(2005, 5, 24, 20, 53, 30, 250_000_000, ZoneOffset.UTC));
        assertThat(values.get("c_time")).isEqualTo(LocalTime.of(4, 5, 6, 789_000_000));
        assertThat(values.get("c_timetz")).isEqualTo("10:04:56.5+00");
        assertThat(values.get("c_interval")).isEqualTo("1 year 2 mons 3 days 04:05:06.789");
        assertThat(values.get("c_uuid")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(values.get("c_json")).isEqualTo("{\"b\": 1, \"a\": [1, 2.50]}");
        assertThat(values.get("c_int_array")).isEqualTo("[1,null,3]");
        assertThat(values.get("c_enum")).isEqualTo("happy");
        assertThat(values.get("c_point")).isEqualTo("(1.5,-2.25)");
        assertThat(values.get("c_inet")).isEqualTo("192.168.0.1/24");
        assertThat(row.invalidValues()).isEmpty();
        assertThat(row.unavailableColumns()).isEmpty();
    }

    @Test
    void columnsGetTheTypesTheirValuesNeed() {
        Event read = EVENTS.changes("kinds").get(0);
        Map<String, ColumnType> types = new HashMap<>();
        for (StagingColumn column : convert(read, read.after()).columns()) {
            types.put(column.name(), column.type());
        }
        assertThat(types.get("id")).isEqualTo(ColumnType.of(Kind.INTEGER));
        assertThat(types.get("c_smallint")).isEqualTo(ColumnType.of(Kind.SMALLINT));
        assertThat(types.get("c_numeric_ps")).isEqualTo(ColumnType.decimal(7, 2));
        // Unconstrained numeric has no DECIMAL that holds every value: text, as the source prints it.
        assertThat(types.get("c_numeric")).isEqualTo(ColumnType.of(Kind.TEXT));
        assertThat(types.get("c_date")).isEqualTo(ColumnType.of(Kind.DATE));
        assertThat(types.get("c_timestamp")).isEqualTo(ColumnType.of(Kind.TIMESTAMP));
        assertThat(types.get("c_timestamptz")).isEqualTo(ColumnType.of(Kind.TIMESTAMPTZ));
        assertThat(types.get("c_time")).isEqualTo(ColumnType.of(Kind.TIME));
        assertThat(types.get("c_json")).isEqualTo(ColumnType.of(Kind.JSON));
        assertThat(types.get("c_jsonb")).isEqualTo(ColumnType.of(Kind.JSON));
        assertThat(types.get("c_int_array")).isEqualTo(ColumnType.of(Kind.JSON));
        assertThat(types.get("c_bytea")).isEqualTo(ColumnType.of(Kind.BINARY));
        assertThat(types.get("c_double")).isEqualTo(ColumnType.of(Kind.DOUBLE));
    }

    @Test
    void valuesStagingCannotHoldAreNullWithTheSourceTextKept() {
        Event insert = EVENTS.changes("kinds").get(1);
        assertThat(insert.operation()).isEqualTo("c");
        StagedChange row = convert(insert, insert.after());
        Map<String, Object> values = values(row);

        assertThat(row.invalidValues()).containsOnly(
                Map.entry("c_numeric_ps", "NaN"),
                Map.entry("c_date", "infinity"),
                Map.entry("c_timestamp", "-infinity"),
                Map.entry("c_timestamptz", "infinity"),
                Map.entry("c_time", "24:00:00"),
                Map.entry("c_json", "{\"a\":\"\\ud800\"}"));
        assertThat(values).containsEntry("c_numeric_ps", null).containsEntry("c_date", null)
                .containsEntry("c_time", null).containsEntry("c_json", null);
        // What staging holds stays: text numeric NaN, the double infinities, a two-dimensional array.
        assertThat(values.get("c_numeric")).isEqualTo("NaN");
        assertThat((Float) values.get("c_real")).isNaN();
        assertThat(values.get("c_double")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(values.get("c_int_array")).isEqualTo("[[1,2],[3,4]]");
        assertThat(values.get("c_not_null")).isEqualTo(7);
    }

    @Test
    void datesOutsideTheWarehouseRangeAreKeptAsPostgresPrintsThem() {
        Event insert = EVENTS.changes("kinds").get(2);
        StagedChange row = convert(insert, insert.after());
        assertThat(row.invalidValues()).containsOnly(
                Map.entry("c_date", "0044-03-15 BC"),
                Map.entry("c_timestamp", "12345-06-07 08:09:10.5"));

        StagedChange unbounded = new ChangeEventConverter(DebeziumEventRecorder.PLACEHOLDER)
                .convert("c", insert.after(), List.of("id"), Set.of(), Map::of, insert.source(), 1);
        assertThat(unbounded.invalidValues()).isEmpty();
        assertThat(values(unbounded).get("c_date")).isEqualTo(LocalDate.of(-43, 3, 15));
    }

    @Test
    void anUnchangedToastedValueIsUnavailableNotThePlaceholder() {
        Event update = EVENTS.changes("kinds").get(3);
        assertThat(update.operation()).isEqualTo("u");
        StagedChange row = convert(update, update.after());
        assertThat(row.unavailableColumns()).containsExactly("c_text");
        assertThat(values(row).get("c_text")).isNull();
        assertThat(values(row).get("c_smallint")).isEqualTo((short) -1);
        assertThat(row.values()).doesNotContain(DebeziumEventRecorder.PLACEHOLDER);
    }

    @Test
    void aDeleteUnderDefaultIdentityKeepsOnlyItsKey() {
        Event delete = EVENTS.changes("kinds").get(4);
        assertThat(delete.operation()).isEqualTo("d");
        StagedChange keyOnly = ChangeEventConverter.keyOnly(convert(delete, delete.before()));
        assertThat(values(keyOnly).get("id")).isEqualTo(2);
        // Debezium fills the before-image's NOT NULL columns with type defaults; they are not data.
        assertThat(values(keyOnly).get("c_not_null")).isNull();
        assertThat(keyOnly.unavailableColumns()).contains("c_not_null", "c_text").doesNotContain("id");
        assertThat(keyOnly.operation()).isEqualTo("d");
    }

    @Test
    void aKeylessTableUnderIdentityFullSendsBothImages() {
        List<Event> changes = EVENTS.changes("keyless");
        assertThat(changes).extracting(Event::operation).containsExactly("r", "u", "d");
        Event update = changes.get(1);
        assertThat(update.key()).isNull();
        StagedChange before = converter.convert("d", update.before(), List.of("at", "note"), Set.of(), Map::of, update.source(), 1);
        StagedChange after = convert(update, update.after());
        assertThat(values(before)).containsEntry("at", LocalDate.of(2020, 2, 29)).containsEntry("note", "leap");
        assertThat(values(after)).containsEntry("at", LocalDate.of(2021, 3, 1)).containsEntry("note", "moved");
        Event delete = changes.get(2);
        assertThat(values(convert(delete, delete.before()))).containsEntry("note", "moved");
    }

    @Test
    void cdcMetadataComesFromTheSourceBlock() {
        List<Event> changes = EVENTS.changes("kinds");
        StagedChange first = convert(changes.get(1), changes.get(1).after());
        StagedChange second = convert(changes.get(2), changes.get(2).after());
        assertThat(first.table()).isEqualTo("kinds");
        assertThat(first.transactionId()).isNotNull().isEqualTo(second.transactionId());
        assertThat(first.lsn()).isPositive().isLessThan(second.lsn());
        assertThat(first.sourceTimestamp()).isNotNull().isAfter(OffsetDateTime.of(2020, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
        assertThat(first.keyColumns()).containsExactly("id");
        assertThat(ChangeEventConverter.keyColumns(changes.get(1).key())).containsExactly("id");
    }

    @Test
    void transactionMarkersBracketEachTransaction() {
        List<String> statuses = EVENTS.events().stream().map(Event::transactionStatus)
                .filter(status -> status != null).toList();
        assertThat(statuses).hasSize(10).containsSequence("BEGIN", "END", "BEGIN", "END");
        // The snapshot has no markers: its two rows come first.
        assertThat(EVENTS.events().subList(0, 2)).extracting(Event::operation).containsExactly("r", "r");
    }

    @Test
    void anEventWithoutARowImageIsRefused() {
        Event read = EVENTS.changes("kinds").get(0);
        assertThatThrownBy(() -> converter.convert("d", null, List.of("id"), Set.of(), Map::of, read.source(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without row image");
    }

    @Test
    void skippedColumnsAreNotStaged() {
        Event read = EVENTS.changes("kinds").get(0);
        StagedChange row = converter.convert("r", read.after(), List.of("id"), Set.of("c_text", "c_bytea"), Map::of,
                read.source(), 1);
        assertThat(row.columns()).extracting(StagingColumn::name).doesNotContain("c_text", "c_bytea").contains("c_varchar");
    }

    private StagedChange convert(Event event, org.apache.kafka.connect.data.Struct row) {
        return converter.convert(event.operation(), row, List.of("id"), Set.of(), Map::of, event.source(), 1);
    }

    private static Map<String, Object> values(StagedChange change) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < change.columns().size(); i++) {
            values.put(change.columns().get(i).name(), change.values()[i]);
        }
        return values;
    }
}
