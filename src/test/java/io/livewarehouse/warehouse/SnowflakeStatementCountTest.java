package io.livewarehouse.warehouse;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.OwnCapture;
import io.livewarehouse.support.SourceLoad;
import io.livewarehouse.support.StagingComparison;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the pipeline sends Snowflake (as the emulator's query history shows it) with production's cadence
 * (marts every 10 s, data tests every minute, no heartbeat statement on the source) and an orchestrator's
 * readiness probe every 10 s: at idle, and under a steady load of about 500 changes a second. Written to
 * target/snowflake-statements.md for docs/snowflake.md (Cost); the counts are measurements, not asserted; what
 * is asserted is which statements an idle pipeline still sends.
 */
@QuarkusTest
@TestProfile(SnowflakeStatementCountTest.Production.class)
class SnowflakeStatementCountTest {

    public static class Production implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("snowflake_cost",
                    "pipeline.marts.enabled", "true",
                    "pipeline.cdc.heartbeat-action-query", "");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(EmulatedSnowflake.class));
        }
    }

    private static final Duration WINDOW = Duration.ofSeconds(60);

    @Inject
    SourceConnections source;

    @Inject
    io.livewarehouse.marts.DataTests dataTests;

    @Test
    void statementsPerMinuteAtIdleAndUnderLoad() throws Exception {
        SnowflakeEmulator emulator = EmulatedSnowflake.emulator();
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            try (Connection connection = source.open()) {
                StagingComparison.assertStagingEqualsSource(connection, emulator.duckdb());
            }
        });
        // Settled: the marts built, and a scheduled data test run after that in which every test passed (the
        // idle window then holds no run that still has something to check; a slow first run may fail its
        // reconciliation as pending and run again).
        java.time.OffsetDateTime settledFrom = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(15);
        Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() ->
                dataTests.lastRunAt() != null && dataTests.lastRunAt().isAfter(settledFrom)
                        && !dataTests.lastResults().isEmpty() && dataTests.lastResults().stream()
                        .allMatch(result -> "passed".equals(result.status()) || "warn".equals(result.status())));

        Instant idleFrom = Instant.now();
        probeFor(WINDOW);
        List<SnowflakeEmulator.Request> idle = emulator.requestsSince(idleFrom);

        long stagedBefore = rowsStaged();
        SourceLoad load = new SourceLoad(source::open, 250);
        Thread loading = new Thread(load, "source-load");
        loading.start();
        Thread.sleep(10_000);
        Instant loadFrom = Instant.now();
        long stagedAtStart = rowsStaged();
        probeFor(WINDOW);
        List<SnowflakeEmulator.Request> loaded = emulator.requestsSince(loadFrom);
        long staged = rowsStaged() - stagedAtStart;
        load.stop();
        loading.join();
        assertThat(load.failure()).isNull();
        assertThat(stagedAtStart).isGreaterThan(stagedBefore);

        // A lone change after the load: how long until it is staged (what the heartbeat interval costs).
        Thread.sleep(5_000);
        long lone;
        try (Connection connection = source.open()) {
            lone = io.livewarehouse.support.SourceDatabases.inTransaction(connection,
                    "update public.customer set email = 'lone@example.com' where customer_id = 3");
        }
        long loneAt = System.nanoTime();
        Awaitility.await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(200))
                .until(() -> stagedTransactionId() >= lone);
        long loneMillis = (System.nanoTime() - loneAt) / 1_000_000;

        String report = "# Statements sent to Snowflake per minute (emulator's query history)\n\n"
                + "A lone change after a quiet spell was staged in " + loneMillis + " ms.\n\n"
                + "Production cadence (marts every 10 s, data tests every 60 s), readiness probed every 10 s.\n\n"
                + section("Idle", idle, 0)
                + section("Under load: " + staged + " changes staged in " + WINDOW.toSeconds() + " s ("
                        + staged / WINDOW.toSeconds() + "/s)", loaded, staged);
        Files.writeString(Path.of("target/snowflake-statements.md"), report);
        System.out.println(report);
        // What is asserted is what a user checks in the query history: at idle no mart cycle, data test or
        // readiness probe reaches Snowflake (only the stream's offsets still move with the source's heartbeats).
        assertThat(idle.stream().map(request -> kind(request.sql())))
                .noneMatch(kind -> kind.startsWith("select MARTS") || kind.startsWith("select STAGING")
                        || kind.startsWith("merge") || kind.contains("data_test") || kind.contains("model_"))
                .allMatch(kind -> kind.contains("_PIPELINE.offsets") || kind.equals("alter") || kind.equals("commit")
                        || kind.equals("rollback"));
        assertThat(idle).noneMatch(request -> request.sql().trim().equalsIgnoreCase("select 1"));
    }

    private void probeFor(Duration window) throws InterruptedException {
        Instant end = Instant.now().plus(window);
        while (Instant.now().isBefore(end)) {
            given().when().get("/q/health/ready");
            Thread.sleep(10_000);
        }
    }

    private static long stagedTransactionId() {
        Object staged = given().when().get("/q/health/ready").then().extract()
                .path("checks.find { it.name == 'capture' }.data.stagedTransactionId");
        return staged == null ? -1 : ((Number) staged).longValue();
    }

    private static long rowsStaged() {
        Object staged = given().when().get("/q/health/ready").then().extract()
                .path("checks.find { it.name == 'capture' }.data.rowsStaged");
        return ((Number) staged).longValue();
    }

    /** A table of the requests by kind: executions and describes (prepares), per minute. */
    private static String section(String title, List<SnowflakeEmulator.Request> requests, long changes) {
        Map<String, Long> kinds = requests.stream().collect(Collectors.groupingBy(
                request -> (request.describeOnly() ? "describe " : "") + kind(request.sql()), TreeMap::new,
                Collectors.counting()));
        long executions = requests.stream().filter(request -> !request.describeOnly()).count();
        double minutes = WINDOW.toSeconds() / 60.0;
        StringBuilder text = new StringBuilder("## " + title + "\n\n| statement | per minute |\n|---|---:|\n");
        kinds.forEach((kind, count) -> text.append("| ").append(kind).append(" | ")
                .append(Math.round(count / minutes)).append(" |\n"));
        text.append("| **executions** | **").append(Math.round(executions / minutes)).append("** |\n");
        if (changes > 0) {
            text.append(String.format(Locale.ROOT, "\nExecutions per staged change: %.4f%n", executions / (double) changes));
        }
        return text.append('\n').toString();
    }

    /** The statement's verb and the object it works on: "select _PIPELINE.OFFSETS", "merge MARTS.DIM_FILM". */
    static String kind(String sql) {
        String flat = sql.replaceAll("(?s)--[^\\n]*", " ").replaceAll("\\s+", " ").trim();
        String verb = flat.split(" ", 2)[0].toLowerCase(Locale.ROOT);
        java.util.regex.Matcher object = java.util.regex.Pattern.compile(
                "(?i)\\b(?:from|into|update|table|merge into)\\s+((?:\"?\\w+\"?\\.)?\"?\\w+\"?)").matcher(flat);
        return verb + (object.find() ? " " + object.group(1).replace("\"", "") : "");
    }
}
