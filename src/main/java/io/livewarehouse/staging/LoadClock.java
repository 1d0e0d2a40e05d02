package io.livewarehouse.staging;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The load time ({@code _cdc_loaded_at}) of staging's batches. Each batch's is later than the one before,
 * even if the clock steps back, because mart models read staging incrementally by load time: arrival order,
 * which is source commit order (LSNs of interleaved transactions are not). Used under the writer's lock.
 */
final class LoadClock {

    private OffsetDateTime last;
    /** Batches committed in this process: what the mart cycles and data tests look at to know staging moved. */
    private volatile long commits;

    /** Where staging stands when the stream (re)starts: its newest load time (null when it is empty). */
    void startFrom(OffsetDateTime newest) {
        last = newest;
    }

    /** The load time of the next batch: now, or just after the last one. */
    OffsetDateTime next() {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        return last != null && !now.isAfter(last) ? last.plusNanos(1000) : now;
    }

    /** A batch loaded at {@code at} committed. */
    void committed(OffsetDateTime at) {
        last = at;
        commits++;
    }

    long commits() {
        return commits;
    }
}
