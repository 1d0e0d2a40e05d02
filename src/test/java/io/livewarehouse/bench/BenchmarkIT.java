package io.livewarehouse.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark harness. In the test suite a smoke run at scale 1 with short phases proves that it works and
 * measures every figure (no figure is asserted against a time: the numbers belong in the report). With
 * {@code -Dbench.full=true} (what {@code bench/run} passes) it runs the full benchmark, {@code bench.runs}
 * times at {@code bench.scale}, and writes the report to {@code bench.output}.
 */
class BenchmarkIT {

    @Test
    void measuresEveryFigureAgainstTheRawLimits() throws Exception {
        boolean full = Boolean.getBoolean("bench.full");
        Path work = Files.createDirectories(Path.of("target/bench").toAbsolutePath());
        Benchmark.Settings settings = full ? Benchmark.Settings.full(Integer.getInteger("bench.scale", 10), work)
                : Benchmark.Settings.smoke(work);
        int runs = full ? Integer.getInteger("bench.runs", 3) : 1;
        List<Benchmark.Figures> results = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            results.add(new Benchmark(settings).run(20050524 + run));
        }
        Path output = Path.of(System.getProperty("bench.output", "target/bench/results.md")).toAbsolutePath();
        // The first run's drains as a chart beside the report.
        Path chart = output.resolveSibling("events-over-time.svg");
        Benchmark.write(chart, EventsChart.svg("Streaming drain at scale " + settings.scale() + ", run 1 of " + runs
                + ": events/s over time", results.get(0).drains()));
        String report = Benchmark.report(settings, results)
                + "\n![events/s over time of the streaming drains](" + chart.getFileName() + ")\n";
        // The initial load alone at a larger scale (bench/run: 50), once per run: the process's start amortised.
        int loadScale = Integer.getInteger("bench.loadScale", full ? 0 : 2);
        List<Benchmark.Figures> loads = new ArrayList<>();
        if (loadScale > 0) {
            for (int run = 0; run < runs; run++) {
                loads.add(new Benchmark(settings).initialLoadOnly(loadScale, 20050524 + run));
            }
            report += "\nThe initial load alone at scale " + loadScale + " (" + runs + (runs == 1 ? " run" : " runs") + "):\n\n" + Benchmark.table(loads);
        }
        Benchmark.write(output, report);
        System.out.println(report);

        for (Benchmark.Figures figures : results) {
            assertThat(figures.values()).containsKeys("raw load rows/s", "pipeline load rows/s", "initial load ratio",
                    "raw decoding events/s", "pipeline streaming events/s", "streaming ratio", "full rebuild ms",
                    "large transaction staged rows/s", "large transaction peak RSS MiB", "peak RSS MiB",
                    "snowflake put+copy / insert, batches of 2000", "snowflake put+copy statements per 1000 rows, batches of 2000");
            assertThat(figures.values()).allSatisfy((name, value) -> assertThat(value).as(name).isNotNaN().isGreaterThanOrEqualTo(0.0));
            assertThat(figures.values().get("peak RSS MiB")).isPositive();
            // Which phase peaked: each phase's own process, the whole run's figure the largest of them.
            for (String phase : List.of("initial load", "streaming", "latency, marts on", "refresh and rebuild")) {
                assertThat(figures.values().get("peak RSS MiB, " + phase)).as(phase).isPositive()
                        .isLessThanOrEqualTo(figures.values().get("peak RSS MiB"));
            }
        }
        assertThat(output).content().contains("| initial load ratio |", "| streaming ratio |");
        assertThat(results.get(0).drains()).containsKeys("pipeline", "debezium ceiling (embedded engine, counting)");
        assertThat(chart).content().contains("<svg", "<polyline");
        if (loadScale > 0) {
            assertThat(loads).allSatisfy(load -> assertThat(load.values().get("pipeline load rows/s")).isPositive());
            assertThat(output).content().contains("The initial load alone at scale " + loadScale);
        }
        assertThat(results.get(0).values()).containsKeys("pipeline drain CPU %, Debezium's threads",
                "debezium ceiling drain CPU %, Debezium's threads");
        assertThat(results.get(0).values()).containsKeys("debezium ceiling events/s", "debezium ceiling rate "
                + settings.latencyRates().get(0) + " p99 ms");
        if (!System.getProperty("bench.peers.debeziumServer", "").isBlank()) {
            assertThat(results.get(0).values()).containsKeys("pipeline / debezium server, initial load",
                    "pipeline / debezium server, streaming", "debezium server rate " + settings.latencyRates().get(0) + " p99 ms");
        }
    }
}
