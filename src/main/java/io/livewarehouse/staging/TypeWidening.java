package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;

import java.util.List;

/**
 * Which staging column type can hold which source values when a source column changes type. Only changes
 * that lose nothing are followed (smallint to integer, numeric(5,2) to numeric(7,2), real to double...);
 * anything else is a poison event for that column.
 */
public final class TypeWidening {

    private static final List<Kind> INTEGERS = List.of(Kind.SMALLINT, Kind.INTEGER, Kind.BIGINT);
    /** Decimal digits needed to hold every value of each integer kind. */
    private static final int[] INTEGER_DIGITS = {5, 10, 19};

    private TypeWidening() {
    }

    /**
     * A staged value of a narrower type as the Java type of {@code holder}'s kind (see {@link ColumnType.Kind}):
     * after a widening, changes staged before it and after it share a batch, and a warehouse's bulk path
     * (DuckDB's Appender) takes only values of the column's own type: given a narrower one it fails, or worse,
     * stores garbage.
     */
    public static Object widened(ColumnType holder, Object value) {
        if (value == null) {
            return null;
        }
        return switch (holder.kind()) {
            case INTEGER -> value instanceof Short number ? Integer.valueOf(number) : value;
            case BIGINT -> value instanceof Short || value instanceof Integer ? Long.valueOf(((Number) value).longValue()) : value;
            case DOUBLE -> value instanceof Float || value instanceof Short || value instanceof Integer
                    // As PostgreSQL widens real to double precision: the same binary value.
                    ? Double.valueOf(((Number) value).doubleValue())
                    : value;
            case DECIMAL -> value instanceof java.math.BigDecimal decimal ? decimal.setScale(holder.scale())
                    : value instanceof Short || value instanceof Integer || value instanceof Long
                    ? java.math.BigDecimal.valueOf(((Number) value).longValue()).setScale(holder.scale()) : value;
            default -> value;
        };
    }

    /** Whether a column of type {@code holder} can store every value of type {@code value} unchanged. */
    public static boolean canHold(ColumnType holder, ColumnType value) {
        if (holder.equals(value)) {
            return true;
        }
        Kind h = holder.kind();
        Kind v = value.kind();
        if (INTEGERS.contains(h) && INTEGERS.contains(v)) {
            return INTEGERS.indexOf(h) >= INTEGERS.indexOf(v);
        }
        if (h == Kind.DOUBLE && (v == Kind.REAL || v == Kind.SMALLINT || v == Kind.INTEGER)) {
            return true;
        }
        if (h == Kind.DECIMAL && v == Kind.DECIMAL) {
            return holder.scale() >= value.scale()
                    && holder.precision() - holder.scale() >= value.precision() - value.scale();
        }
        if (h == Kind.DECIMAL && INTEGERS.contains(v)) {
            return holder.precision() - holder.scale() >= INTEGER_DIGITS[INTEGERS.indexOf(v)];
        }
        return false;
    }
}
