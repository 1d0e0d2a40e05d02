package io.livewarehouse.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times a streaming drain from samples of (time, events applied so far), the same way for the pipeline and
 * for both peers, however often each can be asked: the moment a count was passed is interpolated between
 * the sample before it and the sample after it, so a peer read every 100 ms is not timed up to 100 ms late
 * (or early) at either end of a window. The clock starts at (its creation, 0 events).
 */
final class DrainClock {

    private final long origin;
    private final List<long[]> samples = new ArrayList<>();
    private final List<double[]> chart;
    /** Where the drained process's CPU went over the measured window, by thread group (% of one core). */
    final Map<String, Double> cpu = new LinkedHashMap<>();
    /** The process whose CPU is split over the window from {@code warmUp} to {@code total} events; 0: none. */
    private final long pid;
    private final long warmUp;
    private final long total;
    private ThreadCpu warm;
    /** Runs once at the sample that first sees {@code warmUp} events ({@link #whenWarm}); null for none. */
    private Runnable onWarm;
    private boolean warmSeen;

    /** {@code chart} receives (seconds since the drain started, events so far) for the events-over-time chart. */
    DrainClock(List<double[]> chart) {
        this(chart, 0, 0, 0);
    }

    /**
     * As {@link #DrainClock(List)}, and {@link #cpu} gets process {@code pid}'s split (ThreadCpu) from the
     * sample that first sees {@code warmUp} events to the one that first sees {@code total}.
     */
    DrainClock(List<double[]> chart, long pid, long warmUp, long total) {
        this(chart, System.nanoTime(), pid, warmUp, total);
    }

    /** As {@link #DrainClock(List)}, started at {@code origin} (System.nanoTime). */
    DrainClock(List<double[]> chart, long origin) {
        this(chart, origin, 0, 0, 0);
    }

    private DrainClock(List<double[]> chart, long origin, long pid, long warmUp, long total) {
        this.chart = chart;
        this.origin = origin;
        this.pid = pid;
        this.warmUp = warmUp;
        this.total = total;
        samples.add(new long[] {origin, 0});
    }

    /**
     * Records what the drained process has applied now; returns the count so far, for {@code until(...)}
     * conditions. A reading below the last (a failed read returns -1) does not count: applied stays applied.
     */
    long sample(long events) {
        return sample(System.nanoTime(), events);
    }

    /** As {@link #sample(long)}, taken at {@code now} (System.nanoTime). */
    long sample(long now, long events) {
        long applied = Math.max(events, samples.get(samples.size() - 1)[1]);
        samples.add(new long[] {now, applied});
        if (chart.isEmpty() || now - origin - chart.get(chart.size() - 1)[0] * 1e9 >= 50_000_000) {
            chart.add(new double[] {(now - origin) / 1e9, applied});
        }
        if (!warmSeen && applied >= warmUp && (pid > 0 || onWarm != null)) {
            warmSeen = true;
            if (pid > 0) {
                warm = ThreadCpu.of(pid);
            }
            if (onWarm != null) {
                onWarm.run();
            }
        }
        if (warm != null && cpu.isEmpty() && applied >= total) {
            cpu.putAll(ThreadCpu.of(pid).since(warm));
        }
        return applied;
    }

    /**
     * Runs {@code hook} once, at the sample that first sees the warm-up count passed: the moment the CPU split
     * starts, after its snapshot (the wall-clock profiler attaches there). Returns this clock.
     */
    DrainClock whenWarm(Runnable hook) {
        this.onWarm = hook;
        return this;
    }

    /** The moment the count reached {@code events}, interpolated between the samples either side of it. */
    double secondsAt(long events) {
        long[] before = null;
        for (long[] sample : samples) {
            if (sample[1] >= events) {
                if (before == null) {
                    return sample[0] / 1e9;
                }
                double share = (events - before[1]) / (double) (sample[1] - before[1]);
                return (before[0] + share * (sample[0] - before[0])) / 1e9;
            }
            before = sample;
        }
        throw new IllegalStateException("the drain never reached " + events + " events");
    }

    /** Events per second between two counts (a window of the drain: the first change set, the measured ones). */
    double rate(long from, long to) {
        return (to - from) / Math.max(1e-9, secondsAt(to) - secondsAt(from));
    }
}
