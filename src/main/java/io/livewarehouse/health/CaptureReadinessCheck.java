package io.livewarehouse.health;

import io.livewarehouse.capture.CaptureStatus;
import io.livewarehouse.staging.StagingBuffer;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the change-data-capture route runs and staging accepts its batches; reports how far staging
 * has got, so a person (or a test) can tell whether the pipeline has caught up with a given source change.
 */
@Readiness
@ApplicationScoped
public class CaptureReadinessCheck implements HealthCheck {

    static final String ROUTE = io.livewarehouse.capture.CaptureRoute.ROUTE;

    private final CamelContext camel;
    private final CaptureStatus capture;
    private final StagingWriter writer;
    private final StagingBuffer buffer;
    private final io.livewarehouse.source.ReplicationSlot slot;

    public CaptureReadinessCheck(CamelContext camel, CaptureStatus capture, StagingWriter writer, StagingBuffer buffer,
                                 io.livewarehouse.source.ReplicationSlot slot) {
        this.camel = camel;
        this.capture = capture;
        this.writer = writer;
        this.buffer = buffer;
        this.slot = slot;
    }

    @Override
    public HealthCheckResponse call() {
        ServiceStatus status = camel.getRouteController().getRouteStatus(ROUTE);
        HealthCheckResponseBuilder response = HealthCheckResponse.named("capture")
                .withData("route", String.valueOf(status))
                .withData("phase", capture.phase())
                .withData("eventsCaptured", capture.events())
                .withData("eventsBuffered", buffer.size())
                .withData("rowsStaged", writer.progress().rowsWritten())
                .withData("batchesStaged", writer.progress().batchesWritten())
                .withData("lastBatchAt", String.valueOf(writer.progress().lastBatchAt()))
                .withData("stagedLsn", writer.progress().lastStagedLsn())
                .withData("stagedTransactionId", writer.progress().lastStagedTransactionId())
                .withData("deadLetters", capture.deadLettered());
        if (!capture.shapesChanged().isEmpty()) {
            response.withData("changedWhileStopped", String.join("; ", capture.shapesChanged()));
        }
        java.util.Set<String> held = writer.heldTables();
        if (!held.isEmpty()) {
            // Not a reason to be unready (the other tables stream on), but what the marts do not show yet.
            response.withData("waitingForSnapshot", String.join(", ", new java.util.TreeSet<>(held)));
        }
        if (capture.slotLoss() != null) {
            response.withData("slotLost", capture.slotLoss());
        }
        if (capture.resyncing() != null) {
            return response.withData("error", "taking a new snapshot of every captured table: " + capture.resyncing())
                    .down().build();
        }
        String poison = buffer.poison();
        if (poison != null) {
            return response.withData("error", "stopped committing (fail-fast): " + poison).down().build();
        }
        String writeError = writer.lastWriteError();
        if (writeError != null) {
            // Nothing is lost (the batch stays buffered and the offsets uncommitted), but staging is not moving.
            return response.withData("error", "staging writes failing: " + writeError).down().build();
        }
        if (capture.engineStopped()) {
            return response.withData("error", "change data capture is not running: " + capture.engineState()).down().build();
        }
        if (status != ServiceStatus.Started) {
            return response.down().build();
        }
        // Capturing means a replication connection on the slot, except while Debezium takes its own snapshot.
        // While the engine starts, right after a snapshot by COPY, and while Debezium reconnects, there is
        // none yet: not ready until there is.
        if (!"snapshot".equals(capture.phase()) && !slotActive()) {
            return response.withData("error", "the change stream is not connected to replication slot " + slot.name()
                    + " (connecting or reconnecting)").down().build();
        }
        return response.up().build();
    }

    /** Whether a connection streams from the slot; an unreachable source counts as yes (the source check says it). */
    private boolean slotActive() {
        try {
            return slot.read().active();
        } catch (java.sql.SQLException e) {
            return true;
        }
    }
}
