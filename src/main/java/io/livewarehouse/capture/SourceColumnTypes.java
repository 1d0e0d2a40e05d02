package io.livewarehouse.capture;

import io.livewarehouse.staging.ColumnType;
import io.livewarehouse.staging.ColumnType.Kind;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * Staging types of source columns read from the PostgreSQL catalog, for the snapshot by COPY: the same types,
 * and values in the same form, that {@link ChangeEventConverter} gives Debezium's events for those columns
 * (decimal.handling.mode=precise, adaptive_time_microseconds, bytea as bytes, arrays as JSON). Types whose
 * event form differs from their text form (intervals, zoned times, money, ...) are not mapped: the copy then
 * refuses with a clear error instead of staging them differently.
 */
final class SourceColumnTypes {

    /** One row per column of a table (parameters: schema, table), domains resolved to their base type. */
    static final String QUERY = """
            select a.attname as name, format_type(a.atttypid, a.atttypmod) as type_name,
                   b.typname as base_name, b.typtype as base_kind, b.typcategory as category,
                   e.typname as element_name,
                   case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as type_modifier
            from pg_attribute a
            join pg_type t on t.oid = a.atttypid
            join pg_type b on b.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
            left join pg_type e on e.oid = b.typelem and b.typcategory = 'A'
            where a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass
              and a.attnum > 0 and not a.attisdropped
            order by a.attnum""";

    private static final Set<String> TEXT_TYPES = Set.of("text", "varchar", "bpchar", "char", "name", "uuid",
            "tsvector", "xml", "citext");
    private static final Set<String> ARRAY_ELEMENTS = Set.of("text", "varchar", "bpchar", "int2", "int4", "int8", "bool");

    /** A column's staging type and the source expression that gives its value as the warehouse reads it. */
    record Mapped(ColumnType type, String select) {
    }

    private SourceColumnTypes() {
    }

    /** The mapping of the catalog row's column, or null when the copy cannot stage it as events would. */
    static Mapped map(ResultSet column, String quoted) throws SQLException {
        String base = column.getString("base_name");
        if ("A".equals(column.getString("category"))) {
            return ARRAY_ELEMENTS.contains(column.getString("element_name"))
                    ? new Mapped(ColumnType.of(Kind.JSON), "to_json(" + quoted + ")::text") : null;
        }
        if ("e".equals(column.getString("base_kind")) || TEXT_TYPES.contains(base)) {
            // As COPY prints it: a cast to text would drop char(n)'s padding, which the stream keeps.
            return new Mapped(ColumnType.of(Kind.TEXT), quoted);
        }
        return switch (base) {
            case "int2" -> new Mapped(ColumnType.of(Kind.SMALLINT), quoted);
            case "int4" -> new Mapped(ColumnType.of(Kind.INTEGER), quoted);
            case "int8" -> new Mapped(ColumnType.of(Kind.BIGINT), quoted);
            case "float4" -> new Mapped(ColumnType.of(Kind.REAL), quoted);
            case "float8" -> new Mapped(ColumnType.of(Kind.DOUBLE), quoted);
            case "bool" -> new Mapped(ColumnType.of(Kind.BOOLEAN), quoted + "::text");
            case "numeric" -> {
                int modifier = column.getInt("type_modifier");
                // numeric without precision: Debezium's variable scale decimal, staged as its exact text.
                yield modifier < 4 ? new Mapped(ColumnType.of(Kind.TEXT), quoted + "::text")
                        : new Mapped(ColumnType.decimal(((modifier - 4) >> 16) & 0xffff, (modifier - 4) & 0xffff), quoted);
            }
            case "date" -> new Mapped(ColumnType.of(Kind.DATE), quoted);
            case "time" -> new Mapped(ColumnType.of(Kind.TIME), quoted);
            case "timestamp" -> new Mapped(ColumnType.of(Kind.TIMESTAMP), quoted);
            // The copying session runs in UTC, as the converter stores zoned values.
            case "timestamptz" -> new Mapped(ColumnType.of(Kind.TIMESTAMPTZ), quoted);
            case "bytea" -> new Mapped(ColumnType.of(Kind.BINARY), "encode(" + quoted + ", 'hex')");
            case "json", "jsonb" -> new Mapped(ColumnType.of(Kind.JSON), quoted + "::text");
            default -> null;
        };
    }

    /** Whether the source's text of such a value equals the text {@link SensitiveColumns} hashes. */
    static boolean hashableInSql(ColumnType type) {
        return switch (type.kind()) {
            case TEXT, SMALLINT, INTEGER, BIGINT, DECIMAL -> true;
            default -> false;
        };
    }
}
