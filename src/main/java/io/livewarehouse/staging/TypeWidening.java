package io.livewarehouse.staging;

import io.livewarehouse.staging.ColumnType.Kind;

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
