package io.livewarehouse.serving;

import io.livewarehouse.capture.CaptureStatus;
import io.livewarehouse.capture.SnapshotProgress;
import io.livewarehouse.marts.DataTests;
import io.livewarehouse.marts.MartRunner;
import io.livewarehouse.source.ReplicationSlot;
import io.livewarehouse.staging.StagingWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an on-call person looks at first, in one answer ({@code GET /api/pipeline}): the capture's phase and
 * per-table snapshot progress and event counts (the page turns successive counts into rates), replication
 * lag, staging writes, the last mart refresh, data test results, the latest dead letters and the Parquet
 * exports. A part that
 * cannot be read says so in place of its figures.
 */
@Path("/api/pipeline")
@Produces(MediaType.APPLICATION_JSON)
public class PipelineStatusResource {

    private final CaptureStatus capture;
    private final StagingWriter writer;
    private final SnapshotProgress snapshot;
    private final ReplicationSlot slot;
    private final MartRunner marts;
    private final DataTests dataTests;
    private final ServingQueries queries;
    private final MeterRegistry registry;
    private final MartExporter exporter;
    private final io.livewarehouse.capture.TableResync resync;
    private final io.livewarehouse.config.SourceSettings settings;

    public PipelineStatusResource(CaptureStatus capture, StagingWriter writer, SnapshotProgress snapshot,
                                  ReplicationSlot slot, MartRunner marts, DataTests dataTests, ServingQueries queries,
                                  MeterRegistry registry, MartExporter exporter,
                                  io.livewarehouse.capture.TableResync resync,
                                  io.livewarehouse.config.SourceSettings settings) {
        this.resync = resync;
        this.settings = settings;
        this.exporter = exporter;
        this.capture = capture;
        this.writer = writer;
        this.snapshot = snapshot;
        this.slot = slot;
        this.marts = marts;
        this.dataTests = dataTests;
        this.queries = queries;
        this.registry = registry;
    }

    @GET
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("at", OffsetDateTime.now().toInstant().toString());
        Map<String, Object> captureStatus = new LinkedHashMap<>();
        captureStatus.put("phase", capture.phase());
        captureStatus.put("engine", capture.engineState());
        captureStatus.put("events", capture.events());
        captureStatus.put("rowsStaged", writer.progress().rowsWritten());
        captureStatus.put("lastBatchAt", text(writer.progress().lastBatchAt()));
        captureStatus.put("writeError", writer.lastWriteError());
        captureStatus.put("slotLost", capture.slotLoss());
        captureStatus.put("resyncing", capture.resyncing());
        try {
            ReplicationSlot.State state = slot.read();
            captureStatus.put("slot", slot.name());
            captureStatus.put("slotActive", state.active());
            captureStatus.put("replicationLagBytes", state.exists() ? state.lagBytes() : null);
        } catch (Exception e) {
            captureStatus.put("slotError", String.valueOf(e.getMessage()));
        }
        status.put("capture", captureStatus);
        status.put("tables", tables());

        Map<String, Object> martStatus = new LinkedHashMap<>();
        martStatus.put("lastCycleAt", text(marts.lastCycleAt()));
        martStatus.put("lastChangedAt", text(marts.lastChangedAt()));
        martStatus.put("appliedSourceCommit", text(marts.appliedSourceCommit()));
        double freshness = marts.freshnessSeconds();
        martStatus.put("freshnessSeconds", Double.isNaN(freshness) ? null : freshness);
        martStatus.put("failedOrSkipped", marts.lastFailures());
        status.put("marts", martStatus);

        Map<String, Object> tests = new LinkedHashMap<>();
        tests.put("lastRunAt", text(dataTests.lastRunAt()));
        List<Map<String, Object>> results = new ArrayList<>();
        for (DataTests.Result result : dataTests.lastResults()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("model", result.model());
            entry.put("test", result.test());
            entry.put("status", result.status());
            entry.put("failingRows", result.failingRows());
            entry.put("detail", result.detail());
            results.add(entry);
        }
        tests.put("results", results);
        tests.put("failing", dataTests.failing().size());
        status.put("dataTests", tests);

        Map<String, Object> deadLetters = new LinkedHashMap<>();
        try {
            deadLetters.put("count", queries.deadLetterCount());
            deadLetters.put("latest", queries.deadLetters().records());
        } catch (Exception e) {
            deadLetters.put("error", String.valueOf(e.getMessage()));
        }
        status.put("deadLetters", deadLetters);

        Map<String, Object> syncs = new LinkedHashMap<>();
        try {
            syncs.put("latest", queries.tableSyncs().records());
        } catch (Exception e) {
            syncs.put("error", String.valueOf(e.getMessage()));
        }
        status.put("syncs", syncs);

        Map<String, Object> operations = new LinkedHashMap<>();
        try {
            operations.put("latest", queries.operations().records());
        } catch (Exception e) {
            operations.put("error", String.valueOf(e.getMessage()));
        }
        status.put("operations", operations);

        Map<String, Object> exports = new LinkedHashMap<>();
        exports.put("enabled", exporter.enabled());
        exports.put("directory", exporter.directory().toAbsolutePath().toString());
        Map<String, String> marts = new LinkedHashMap<>();
        exporter.exported().forEach((mart, at) -> marts.put(mart, text(at)));
        exports.put("marts", marts);
        status.put("exports", exports);
        return status;
    }

    /**
     * Per source table: snapshot rows read and the source's estimate, change events by operation, and whether
     * it waits for a snapshot of its own (added, or resynced) or is being copied now.
     */
    private List<Map<String, Object>> tables() {
        Map<String, Map<String, Object>> tables = new TreeMap<>();
        for (String configured : settings.tables()) {
            String qualified = configured.trim().contains(".") ? configured.trim() : "public." + configured.trim();
            tables.computeIfAbsent(StagingWriter.stagingTableOf(qualified), this::table).put("qualified", qualified);
        }
        try {
            Map<String, String> failures = resync.failures();
            writer.pendingResyncs().forEach((qualified, reason) -> {
                Map<String, Object> table = tables.computeIfAbsent(StagingWriter.stagingTableOf(qualified), this::table);
                table.put("resync", qualified.equals(resync.copying()) ? "copying (" + reason + ")"
                        : "waiting for its snapshot (" + reason + ")"
                        + (failures.containsKey(qualified) ? "; last attempt failed: " + failures.get(qualified) : ""));
            });
        } catch (Exception e) {
            tables.values().forEach(table -> table.put("resync", "unknown: " + e.getMessage()));
        }
        Map<String, Long> estimates = snapshot.estimates();
        snapshot.rowsRead().forEach((qualified, rows) -> {
            Map<String, Object> table = tables.computeIfAbsent(qualified.substring(qualified.indexOf('.') + 1), this::table);
            table.put("snapshotRows", rows);
            table.put("snapshotEstimate", estimates.get(qualified));
        });
        for (Counter counter : registry.find("pipeline.capture.events").counters()) {
            Map<String, Object> table = tables.computeIfAbsent(counter.getId().getTag("table"), this::table);
            @SuppressWarnings("unchecked")
            Map<String, Long> events = (Map<String, Long>) table.get("events");
            events.put(counter.getId().getTag("operation"), (long) counter.count());
        }
        return new ArrayList<>(tables.values());
    }

    private Map<String, Object> table(String name) {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("table", name);
        table.put("qualified", null);
        table.put("resync", null);
        table.put("snapshotRows", null);
        table.put("snapshotEstimate", null);
        table.put("events", new TreeMap<String, Long>());
        return table;
    }

    private static String text(OffsetDateTime time) {
        return time == null ? null : time.toInstant().toString();
    }
}
