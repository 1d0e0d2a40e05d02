package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What tells a replayed change from a new one, without a warehouse. */
@Tag("unit")
class ReplayGuardTest {

    private static final StagingColumn ID = new StagingColumn("id", ColumnType.of(ColumnType.Kind.INTEGER));
    private static final StagingColumn NAME = new StagingColumn("name", ColumnType.of(ColumnType.Kind.TEXT));

    @Test
    void aChangeIsKnownByItsKeyAndATableKeyedByItsWholeRowAlsoByItsPlaceInTheTransaction() {
        assertThat(ReplayGuard.identity(change(List.of(ID, NAME), List.of("id")))).containsExactly("id");
        assertThat(ReplayGuard.identity(change(List.of(ID, NAME), List.of("id", "name"))))
                .as("identical rows copied in one statement share an LSN").containsExactly("id", "name", CdcColumns.SEQ);
    }

    @Test
    void aStreamedChangeTheBatchHoldsTwiceIsKeptOnceAndSnapshotRowsAreNeverDropped() {
        // Rows as the appender builds them: id, then the CDC columns (_cdc_op, _cdc_lsn, ...).
        int[] cdc = {1, 2};
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {1, "c", 100L});
        rows.add(new Object[] {2, "c", 100L});
        rows.add(new Object[] {1, "c", 100L});   // the replay of the first
        rows.add(new Object[] {1, "u", 100L});   // another operation on the key at that LSN
        rows.add(new Object[] {5, "r", 50L});
        rows.add(new Object[] {5, "r", 50L});    // snapshot rows: a redone snapshot is handled by the warehouse
        List<Object[]> kept = ReplayGuard.withoutCopies("t", rows, new int[] {0}, cdc);
        assertThat(kept).hasSize(5);
        assertThat(kept).extracting(row -> row[0] + "/" + row[1]).containsExactly("1/c", "2/c", "1/u", "5/r", "5/r");
    }

    @Test
    void aHorizonOnlyRises() {
        ReplayGuard guard = new ReplayGuard(null);
        guard.created("t");
        assertThat(guard.horizon("t")).isEqualTo(Long.MIN_VALUE);
        guard.raise("t", 200);
        guard.raise("t", 150);
        assertThat(guard.horizon("t")).isEqualTo(200);
        guard.forget();
        assertThat(guard.horizon("t")).as("read again from the warehouse after a failure").isNull();
    }

    @Test
    void loadTimesRiseEvenWhenTheClockStepsBack() {
        LoadClock clock = new LoadClock();
        OffsetDateTime future = OffsetDateTime.now().plusHours(1);
        clock.committed(future);
        assertThat(clock.next()).isAfter(future);
        clock.committed(clock.next());
        assertThat(clock.next()).isAfter(future.plusNanos(1000));
    }

    private static StagedChange change(List<StagingColumn> columns, List<String> key) {
        return new StagedChange("t", columns, new Object[columns.size()], key, "c", 1, 0, 1L, null, List.of());
    }
}
