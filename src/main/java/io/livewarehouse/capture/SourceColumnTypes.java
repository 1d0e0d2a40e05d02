package io.livewarehouse.capture;

import io.livewarehouse.capture.PostgresCompositeText.ElementKind;
import io.livewarehouse.capture.SourceTypes.Handling;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.types.TemporalRange;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Staging types of source columns read from the PostgreSQL catalog, for the snapshot by COPY: the same types,
 * and values in the same form, that the change stream gives those columns ({@link SourceTypes} decides for
 * both). The copy runs in a session with TimeZone UTC and IntervalStyle postgres, the forms
 * {@link PostgresText} gives streamed values. Values staging cannot hold are recognised in the source's SQL,
 * copied as NULL, and their text goes into the row's {@code _cdc_invalid} object, as the stream does.
 */
final class SourceColumnTypes {

    /** One row per column of a table (parameters: schema, table), domains resolved to their base type. */
    static final String QUERY = """
            select a.attname as name, format_type(a.atttypid, a.atttypmod) as type_name,
                   b.typname as base_name, b.typtype as base_kind, b.typcategory as category,
                   e.typname as element_name,
                   case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as type_modifier,
                   a.attnum as position
            from pg_attribute a
            join pg_type t on t.oid = a.atttypid
            join pg_type b on b.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
            left join pg_type e on e.oid = b.typelem and b.typcategory = 'A'
            where a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass
              and a.attnum > 0 and not a.attisdropped
            order by a.attnum""";

    /**
     * A column's staging type, the source expression that gives its value as the warehouse reads it, and,
     * for types with values staging cannot hold, a condition on the source value that says so ({@code invalid},
     * else null) with the expression giving its source text.
     */
    record Mapped(ColumnType type, String select, String invalid, String sourceText) {
        /** The select list entry: NULL where the value is invalid. */
        String value() {
            return invalid == null ? select : "case when " + invalid + " then null else " + select + " end";
        }
    }

    private SourceColumnTypes() {
    }

    /**
     * The mapping of the catalog row's column; {@code dates} and {@code timestamps} are what the warehouse's
     * DATE and TIMESTAMP columns hold.
     */
    static Mapped map(ResultSet column, String quoted, TemporalRange dates, TemporalRange timestamps) throws SQLException {
        String base = column.getString("base_name");
        boolean array = "A".equals(column.getString("category"));
        int modifier = column.getInt("type_modifier");
        int precision = "numeric".equals(base) && modifier >= 4 ? ((modifier - 4) >> 16) & 0xffff : 0;
        // As Debezium reads the modifier: a negative scale (PostgreSQL 15) comes out above the precision.
        int scale = "numeric".equals(base) && modifier >= 4 ? (modifier - 4) & 0xffff : 0;
        Handling handling = SourceTypes.handling(base, precision, scale, array);
        return switch (handling) {
            case NATIVE -> nativeType(base, quoted, dates, timestamps);
            case DECIMAL -> new Mapped(ColumnType.decimal(precision, scale), quoted,
                    quoted + "::text in ('NaN', 'Infinity', '-Infinity')", quoted + "::text");
            case NUMERIC_TEXT -> new Mapped(ColumnType.of(Kind.TEXT), quoted + "::text", null, null);
            case MONEY -> new Mapped(ColumnType.decimal(19, 2), quoted + "::numeric", null, null);
            case TIMETZ -> new Mapped(ColumnType.of(Kind.TEXT), "(" + quoted + " at time zone 'UTC')", null, null);
            case ARRAY -> {
                String element = column.getString("element_name");
                ElementKind kind = SourceTypes.elementKind(element);
                // to_json writes numbers and booleans as JSON; other elements as their text (a cast to text[]
                // keeps dates and timestamps in their printed form; bpchar keeps its padding only without it).
                boolean asIs = kind != ElementKind.TEXT || "bpchar".equals(element);
                yield new Mapped(ColumnType.of(Kind.JSON), asIs ? "to_json(" + quoted + ")::text"
                        : "to_json(" + quoted + "::text[])::text", null, null);
            }
            // As COPY prints them: intervals, ranges, geometric types, bit strings, enums, hstore, anything else.
            default -> new Mapped(ColumnType.of(Kind.TEXT), quoted, null, null);
        };
    }

    private static Mapped nativeType(String base, String quoted, TemporalRange dates, TemporalRange timestamps) {
        return switch (base) {
            case "int2" -> new Mapped(ColumnType.of(Kind.SMALLINT), quoted, null, null);
            case "int4" -> new Mapped(ColumnType.of(Kind.INTEGER), quoted, null, null);
            case "int8", "oid" -> new Mapped(ColumnType.of(Kind.BIGINT), quoted, null, null);
            case "float4" -> new Mapped(ColumnType.of(Kind.REAL), quoted, null, null);
            case "float8" -> new Mapped(ColumnType.of(Kind.DOUBLE), quoted, null, null);
            case "bool" -> new Mapped(ColumnType.of(Kind.BOOLEAN), quoted + "::text", null, null);
            case "bytea" -> new Mapped(ColumnType.of(Kind.BINARY), "encode(" + quoted + ", 'hex')", null, null);
            case "json" -> new Mapped(ColumnType.of(Kind.JSON), quoted + "::text",
                    quoted + "::text ~ '" + PostgresCompositeText.LONE_SURROGATE_SQL + "'", quoted + "::text");
            case "jsonb" -> new Mapped(ColumnType.of(Kind.JSON), quoted + "::text", null, null);
            case "date" -> new Mapped(ColumnType.of(Kind.DATE), quoted,
                    outside(quoted, dates, "date", true), quoted + "::text");
            case "timestamp" -> new Mapped(ColumnType.of(Kind.TIMESTAMP), quoted,
                    outside(quoted, timestamps, "timestamp", false), quoted + "::text");
            // The copying session runs in UTC, as the converter stores zoned values.
            case "timestamptz" -> new Mapped(ColumnType.of(Kind.TIMESTAMPTZ), quoted,
                    outside(quoted, timestamps, "timestamptz", false), quoted + "::text");
            case "time" -> new Mapped(ColumnType.of(Kind.TIME), quoted, quoted + " = '24:00:00'", quoted + "::text");
            // text, varchar, char(n) (as COPY prints it: a cast to text would drop the padding the stream
            // keeps), uuid, xml, network addresses, tsvector, the ranges Debezium passes as text, citext, ltree.
            default -> new Mapped(ColumnType.of(Kind.TEXT), quoted, null, null);
        };
    }

    /** The condition that a date or timestamp is infinite or outside what the warehouse holds. */
    private static String outside(String quoted, TemporalRange range, String type, boolean date) {
        List<String> holds = new ArrayList<>(List.of("isfinite(" + quoted + ")"));
        if (range.earliest() != null) {
            holds.add(quoted + " >= " + literal(range.earliest(), type, date));
        }
        if (range.latest() != null) {
            holds.add(quoted + " <= " + literal(range.latest(), type, date));
        }
        return "not (" + String.join(" and ", holds) + ")";
    }

    private static String literal(LocalDateTime value, String type, boolean date) {
        String text = date ? PostgresText.date(value.toLocalDate()) : PostgresText.timestamp(value);
        if ("timestamptz".equals(type)) {
            text = PostgresText.timestampWithZoneUtc(value.atOffset(java.time.ZoneOffset.UTC));
        }
        return "'" + text + "'::" + type;
    }

    /** Whether the source's text of such a value equals the text {@link SensitiveColumns} hashes. */
    static boolean hashableInSql(ColumnType type) {
        return switch (type.kind()) {
            case TEXT, SMALLINT, INTEGER, BIGINT, DECIMAL -> true;
            default -> false;
        };
    }
}
