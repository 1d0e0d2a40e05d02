package io.livewarehouse.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The benchmark's drain clock: one way to time the pipeline and both peers, however often each is polled. */
@Tag("unit")
class DrainClockTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aCountPassedBetweenTwoPollsIsTimedWhereItWasPassedNotAtTheLaterPoll() {
        DrainClock clock = new DrainClock(new ArrayList<>(), 0);
        // Polled every second; the counts arrive in batches of 1,500, at 1,500 events/s from second 1 on.
        clock.sample(SECOND, 0);
        clock.sample(2 * SECOND, 1_500);
        clock.sample(3 * SECOND, 3_000);
        clock.sample(4 * SECOND, 3_000);
        clock.sample(5 * SECOND, 4_500);

        assertThat(clock.secondsAt(1_000)).isCloseTo(1.0 + 1_000 / 1_500.0, within(1e-9));
        assertThat(clock.secondsAt(3_000)).isEqualTo(3.0);
        // From 1,500 (2 s) to 4,500 (5 s): what the drain did between those counts, not between the polls.
        assertThat(clock.rate(1_500, 4_500)).isCloseTo(1_000.0, within(1e-6));
    }

    @Test
    void countsBeforeTheFirstPollAreTimedFromTheClocksStart() {
        DrainClock clock = new DrainClock(new ArrayList<>(), 0);
        clock.sample(2 * SECOND, 1_000);

        assertThat(clock.secondsAt(500)).isCloseTo(1.0, within(1e-9));
        assertThat(clock.rate(0, 1_000)).isCloseTo(500.0, within(1e-6));
    }

    @Test
    void aFailedReadingDoesNotUndoWhatWasApplied() {
        List<double[]> chart = new ArrayList<>();
        DrainClock clock = new DrainClock(chart, 0);
        clock.sample(SECOND, 500);
        assertThat(clock.sample(2 * SECOND, -1)).isEqualTo(500);
        clock.sample(3 * SECOND, 1_000);

        assertThat(clock.secondsAt(750)).isCloseTo(2.5, within(1e-9));
        assertThat(chart).allSatisfy(point -> assertThat(point[1]).isNotNegative());
    }

    @Test
    void aCountNeverReachedIsAnErrorNotARate() {
        DrainClock clock = new DrainClock(new ArrayList<>(), 0);
        clock.sample(SECOND, 10);

        assertThatThrownBy(() -> clock.secondsAt(11)).isInstanceOf(IllegalStateException.class).hasMessageContaining("11");
    }

    @Test
    void theChartGetsAPointEveryFiftyMillisecondsAtMost() {
        List<double[]> chart = new ArrayList<>();
        DrainClock clock = new DrainClock(chart, 0);
        for (int i = 0; i <= 20; i++) {
            clock.sample(i * 10_000_000L, i * 100L);
        }
        // 200 ms of samples every 10 ms: the first, then one every 50 ms.
        assertThat(chart).hasSize(5);
        assertThat(chart.get(chart.size() - 1)[1]).isEqualTo(2_000);
    }

    @Test
    void theWarmHookRunsOnceAtTheSampleThatPassesTheWarmUpCount() {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        DrainClock clock = new DrainClock(new ArrayList<>(), 0, 1_000, 2_000).whenWarm(runs::incrementAndGet);
        clock.sample(500);
        assertThat(runs).hasValue(0);
        clock.sample(1_200);
        assertThat(runs).hasValue(1);
        clock.sample(1_500);
        clock.sample(2_000);
        assertThat(runs).hasValue(1);
    }
}
