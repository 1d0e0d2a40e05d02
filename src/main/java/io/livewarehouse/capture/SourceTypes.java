package io.livewarehouse.capture;

import io.livewarehouse.capture.PostgresCompositeText.ElementKind;

import java.util.Map;
import java.util.Set;

/**
 * How each PostgreSQL type reaches staging, decided in one place for both ways a value arrives: streamed
 * through Debezium ({@link SourceValueConverter}, {@link ChangeEventConverter}) and copied by the snapshot
 * ({@link SourceColumnTypes}). Both ask by the column's root type (domains resolved to their base type), so a
 * column gets the same staging type and value form either way.
 */
final class SourceTypes {

    /** What becomes of a type's values. */
    enum Handling {
        /** Debezium's own conversion is exact: integers, floats, booleans, text types, dates and times, bytea, json. */
        NATIVE,
        /** numeric(p,s) with p up to 38: an exact DECIMAL(p,s); NaN and ±Infinity are kept as raw text beside NULL. */
        DECIMAL,
        /**
         * numeric without a precision, above 38 digits, or with a scale outside 0 to its precision: its exact
         * text (NaN and Infinity included).
         */
        NUMERIC_TEXT,
        /**
         * money: DECIMAL(19,2). Debezium parses the value as the driver prints it, which only works for a source
         * whose lc_monetary writes dollars and cents ('$1,234.56', the C and en_US locales); under another one its
         * parser fails and the event becomes a dead letter ({@link DebeziumFailures}).
         */
        MONEY,
        /** interval: as PostgreSQL prints it (IntervalStyle postgres). */
        INTERVAL,
        /** timetz: as PostgreSQL prints it in UTC. */
        TIMETZ,
        /** tstzrange, tstzmultirange: as PostgreSQL prints them in UTC. */
        TSTZRANGE,
        /** point, line, lseg, box, path, polygon, circle: as PostgreSQL prints them. */
        GEOMETRIC,
        /** Arrays of anything: JSON lists (nested for several dimensions). */
        ARRAY,
        /** Everything else (bit strings, enums, ranges Debezium does not know, hstore, extension types): as printed. */
        TEXT
    }

    /** Types Debezium converts exactly by itself. */
    private static final Set<String> NATIVE = Set.of("bool", "bytea", "char", "name", "int2", "int4", "int8", "oid",
            "float4", "float8", "text", "varchar", "bpchar", "uuid", "json", "jsonb", "xml", "inet", "cidr",
            "macaddr", "macaddr8", "tsvector", "int4range", "int8range", "numrange", "tsrange", "daterange",
            "date", "time", "timestamp", "timestamptz", "citext", "ltree");

    private static final Set<String> GEOMETRIC = Set.of("point", "line", "lseg", "box", "path", "polygon", "circle");

    /** Root types by their fixed catalog OID (pg_type.dat), for Debezium's columns, which give the OID. */
    private static final Map<Integer, String> BUILT_IN = Map.ofEntries(
            Map.entry(16, "bool"), Map.entry(17, "bytea"), Map.entry(18, "char"), Map.entry(19, "name"),
            Map.entry(20, "int8"), Map.entry(21, "int2"), Map.entry(23, "int4"), Map.entry(25, "text"),
            Map.entry(26, "oid"), Map.entry(114, "json"), Map.entry(142, "xml"), Map.entry(600, "point"),
            Map.entry(601, "lseg"), Map.entry(602, "path"), Map.entry(603, "box"), Map.entry(604, "polygon"),
            Map.entry(628, "line"), Map.entry(650, "cidr"), Map.entry(700, "float4"), Map.entry(701, "float8"),
            Map.entry(718, "circle"), Map.entry(774, "macaddr8"), Map.entry(790, "money"), Map.entry(829, "macaddr"),
            Map.entry(869, "inet"), Map.entry(1042, "bpchar"), Map.entry(1043, "varchar"), Map.entry(1082, "date"),
            Map.entry(1083, "time"), Map.entry(1114, "timestamp"), Map.entry(1184, "timestamptz"),
            Map.entry(1186, "interval"), Map.entry(1266, "timetz"), Map.entry(1560, "bit"), Map.entry(1562, "varbit"),
            Map.entry(1700, "numeric"), Map.entry(2950, "uuid"), Map.entry(3614, "tsvector"), Map.entry(3615, "tsquery"),
            Map.entry(3802, "jsonb"), Map.entry(3904, "int4range"), Map.entry(3906, "numrange"),
            Map.entry(3908, "tsrange"), Map.entry(3910, "tstzrange"), Map.entry(3912, "daterange"),
            Map.entry(3926, "int8range"), Map.entry(4534, "tstzmultirange"));

    /** Built-in array types by OID, to their element type. */
    private static final Map<Integer, String> BUILT_IN_ARRAYS = Map.ofEntries(
            Map.entry(1000, "bool"), Map.entry(1001, "bytea"), Map.entry(1002, "char"), Map.entry(1003, "name"),
            Map.entry(1016, "int8"), Map.entry(1005, "int2"), Map.entry(1007, "int4"), Map.entry(1009, "text"),
            Map.entry(1028, "oid"), Map.entry(199, "json"), Map.entry(143, "xml"), Map.entry(1017, "point"),
            Map.entry(1018, "lseg"), Map.entry(1019, "path"), Map.entry(1020, "box"), Map.entry(1027, "polygon"),
            Map.entry(629, "line"), Map.entry(651, "cidr"), Map.entry(1021, "float4"), Map.entry(1022, "float8"),
            Map.entry(719, "circle"), Map.entry(775, "macaddr8"), Map.entry(791, "money"), Map.entry(1040, "macaddr"),
            Map.entry(1041, "inet"), Map.entry(1014, "bpchar"), Map.entry(1015, "varchar"), Map.entry(1182, "date"),
            Map.entry(1183, "time"), Map.entry(1115, "timestamp"), Map.entry(1185, "timestamptz"),
            Map.entry(1187, "interval"), Map.entry(1270, "timetz"), Map.entry(1561, "bit"), Map.entry(1563, "varbit"),
            Map.entry(1231, "numeric"), Map.entry(2951, "uuid"), Map.entry(3643, "tsvector"), Map.entry(3645, "tsquery"),
            Map.entry(3807, "jsonb"), Map.entry(3905, "int4range"), Map.entry(3907, "numrange"),
            Map.entry(3909, "tsrange"), Map.entry(3911, "tstzrange"), Map.entry(3913, "daterange"),
            Map.entry(3927, "int8range"));

    private SourceTypes() {
    }

    /** The root type's name for a Debezium column: built-in types by OID, others by the name the driver reports. */
    static String rootName(int oid, String typeName) {
        String builtIn = BUILT_IN.get(oid);
        return builtIn != null ? builtIn : typeName;
    }

    /** The element type of an array column, or null when the column is no array. */
    static String arrayElement(int oid, String typeName) {
        String builtIn = BUILT_IN_ARRAYS.get(oid);
        if (builtIn != null) {
            return builtIn;
        }
        return BUILT_IN.containsKey(oid) || typeName == null || !typeName.startsWith("_") ? null : typeName.substring(1);
    }

    /**
     * How values of a column of root type {@code rootName} are staged; {@code precision} and {@code scale} are
     * numeric's declared ones (0 when none), {@code array} whether it is an array. A scale no warehouse DECIMAL
     * has (PostgreSQL 15 allows one below zero or above the precision: numeric(3,-2), numeric(2,5)) keeps the
     * exact text.
     */
    static Handling handling(String rootName, int precision, int scale, boolean array) {
        if (array) {
            return Handling.ARRAY;
        }
        if (NATIVE.contains(rootName)) {
            return Handling.NATIVE;
        }
        if (GEOMETRIC.contains(rootName)) {
            return Handling.GEOMETRIC;
        }
        return switch (rootName) {
            case "numeric" -> precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision
                    ? Handling.DECIMAL : Handling.NUMERIC_TEXT;
            case "money" -> Handling.MONEY;
            case "interval" -> Handling.INTERVAL;
            case "timetz" -> Handling.TIMETZ;
            case "tstzrange", "tstzmultirange" -> Handling.TSTZRANGE;
            default -> Handling.TEXT;
        };
    }

    /** How an array's elements become JSON, by the element's type name. */
    static ElementKind elementKind(String element) {
        return switch (element) {
            case "int2", "int4", "int8", "float4", "float8", "numeric" -> ElementKind.NUMBER;
            case "bool" -> ElementKind.BOOLEAN;
            default -> ElementKind.TEXT;
        };
    }

    /** array_out's delimiter between elements: ';' for box, ',' for every other built-in type. */
    static char delimiter(String element) {
        return "box".equals(element) ? ';' : ',';
    }

    /**
     * Element text as the snapshot's session (TimeZone UTC) prints it: the replication session prints
     * timestamptz in its own time zone (timetz elements keep the offset they were written with, either way).
     */
    static String canonicalElement(String element, String text) {
        return switch (element) {
            case "timestamptz" -> PostgresText.timestampWithZoneUtc(text);
            case "tstzrange", "tstzmultirange" -> PostgresCompositeText.range(text, PostgresText::timestampWithZoneUtc);
            default -> text;
        };
    }
}
