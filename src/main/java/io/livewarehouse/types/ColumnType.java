package io.livewarehouse.types;

/**
 * A staging column's type, independent of the warehouse: each dialect maps it to its own DDL. Values held in
 * staged rows use one Java type per kind, listed beside each kind.
 */
public record ColumnType(Kind kind, int precision, int scale) {

    public enum Kind {
        SMALLINT,     // Short
        INTEGER,      // Integer
        BIGINT,       // Long
        REAL,         // Float
        DOUBLE,       // Double
        BOOLEAN,      // Boolean
        DECIMAL,      // BigDecimal, exact: numeric(p,s) keeps p and s
        TEXT,         // String
        BINARY,       // byte[]
        DATE,         // LocalDate
        TIME,         // LocalTime
        TIMESTAMP,    // LocalDateTime, microseconds
        TIMESTAMPTZ,  // OffsetDateTime, normalised to UTC
        JSON          // String holding JSON (arrays, json/jsonb, structures)
    }

    public static ColumnType of(Kind kind) {
        return new ColumnType(kind, 0, 0);
    }

    public static ColumnType decimal(int precision, int scale) {
        return new ColumnType(Kind.DECIMAL, precision, scale);
    }
}
