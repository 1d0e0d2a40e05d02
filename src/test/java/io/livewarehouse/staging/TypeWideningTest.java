package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which source type changes staging follows by widening its column (only those that lose nothing), and the
 * values staged before a widening as the wider column's Java type (DuckDB's Appender takes nothing else).
 */
@Tag("unit")
class TypeWideningTest {

    private static final ColumnType SMALLINT = ColumnType.of(Kind.SMALLINT);
    private static final ColumnType INTEGER = ColumnType.of(Kind.INTEGER);
    private static final ColumnType BIGINT = ColumnType.of(Kind.BIGINT);
    private static final ColumnType REAL = ColumnType.of(Kind.REAL);
    private static final ColumnType DOUBLE = ColumnType.of(Kind.DOUBLE);
    private static final ColumnType TEXT = ColumnType.of(Kind.TEXT);

    @Test
    void integersWidenUpwardsOnly() {
        assertThat(TypeWidening.canHold(INTEGER, SMALLINT)).isTrue();
        assertThat(TypeWidening.canHold(BIGINT, INTEGER)).isTrue();
        assertThat(TypeWidening.canHold(BIGINT, SMALLINT)).isTrue();
        assertThat(TypeWidening.canHold(INTEGER, BIGINT)).isFalse();
        assertThat(TypeWidening.canHold(SMALLINT, INTEGER)).isFalse();
    }

    @Test
    void decimalsWidenWhenNeitherIntegerDigitsNorScaleShrink() {
        assertThat(TypeWidening.canHold(ColumnType.decimal(7, 2), ColumnType.decimal(5, 2))).isTrue();
        assertThat(TypeWidening.canHold(ColumnType.decimal(6, 4), ColumnType.decimal(5, 2))).isFalse();
        assertThat(TypeWidening.canHold(ColumnType.decimal(8, 3), ColumnType.decimal(5, 2))).isTrue();
        assertThat(TypeWidening.canHold(ColumnType.decimal(5, 1), ColumnType.decimal(5, 2))).isFalse();
        // An integer fits a decimal with as many integer digits as the integer's largest value.
        assertThat(TypeWidening.canHold(ColumnType.decimal(12, 2), INTEGER)).isTrue();
        assertThat(TypeWidening.canHold(ColumnType.decimal(11, 2), INTEGER)).isFalse();
        assertThat(TypeWidening.canHold(ColumnType.decimal(38, 0), BIGINT)).isTrue();
    }

    @Test
    void doublesHoldRealsAndSmallIntegersButNotBigints() {
        assertThat(TypeWidening.canHold(DOUBLE, REAL)).isTrue();
        assertThat(TypeWidening.canHold(DOUBLE, INTEGER)).isTrue();
        assertThat(TypeWidening.canHold(DOUBLE, BIGINT)).isFalse();
        assertThat(TypeWidening.canHold(REAL, DOUBLE)).isFalse();
    }

    @Test
    void nothingWidensIntoOrOutOfAnotherFamily() {
        assertThat(TypeWidening.canHold(TEXT, INTEGER)).isFalse();
        assertThat(TypeWidening.canHold(INTEGER, TEXT)).isFalse();
        assertThat(TypeWidening.canHold(TEXT, TEXT)).isTrue();
    }

    @Test
    void narrowerValuesBecomeTheWiderColumnsType() {
        assertThat(TypeWidening.widened(INTEGER, (short) 7)).isEqualTo(7);
        assertThat(TypeWidening.widened(BIGINT, 7)).isEqualTo(7L);
        assertThat(TypeWidening.widened(BIGINT, (short) -7)).isEqualTo(-7L);
        // real to double as PostgreSQL does it: the same binary value, not the decimal text.
        assertThat(TypeWidening.widened(DOUBLE, 0.1f)).isEqualTo((double) 0.1f);
        assertThat(TypeWidening.widened(ColumnType.decimal(7, 3), new BigDecimal("12.34"))).isEqualTo(new BigDecimal("12.340"));
        assertThat(TypeWidening.widened(ColumnType.decimal(12, 2), 42)).isEqualTo(new BigDecimal("42.00"));
        assertThat(TypeWidening.widened(BIGINT, null)).isNull();
        assertThat(TypeWidening.widened(TEXT, "x")).isEqualTo("x");
    }
}
