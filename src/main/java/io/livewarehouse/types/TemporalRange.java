package io.livewarehouse.types;

import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * The dates or timestamps a warehouse column holds, both ends included (null: as far as PostgreSQL goes).
 * A source value outside it (and PostgreSQL's ±infinity, always) is staged as NULL with its text kept in
 * {@code _cdc_invalid}.
 */
public record TemporalRange(LocalDateTime earliest, LocalDateTime latest) {

    public static final TemporalRange UNBOUNDED = new TemporalRange(null, null);

    public boolean contains(LocalDateTime value) {
        return (earliest == null || !value.isBefore(earliest)) && (latest == null || !value.isAfter(latest));
    }

    public boolean contains(LocalDate value) {
        return contains(value.atStartOfDay());
    }
}
