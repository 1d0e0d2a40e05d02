package io.livewarehouse.health;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.capture.CaptureStatus;
import io.livewarehouse.capture.SnapshotProgress;
import io.livewarehouse.capture.StagedPosition;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Startup;

import java.util.Set;

/**
 * Started once the initial snapshot is in staging (as the offsets stored with it say, so a restart after
 * the snapshot is started at once). An orchestrator holds liveness and readiness probes back until then, so
 * a long first snapshot is not mistaken for a hang.
 */
@Startup
@ApplicationScoped
public class SnapshotStartupCheck implements HealthCheck {

    /** Snapshot modes that take no initial snapshot: started as soon as the application is. */
    private static final Set<String> NO_SNAPSHOT = Set.of("never", "no_data");

    private final StagingWriter writer;
    private final CaptureStatus capture;
    private final SnapshotProgress progress;
    private final boolean snapshotTaken;
    private volatile boolean finished;

    public SnapshotStartupCheck(StagingWriter writer, CaptureStatus capture, SnapshotProgress progress,
                                PipelineSettings settings) {
        this.writer = writer;
        this.capture = capture;
        this.progress = progress;
        this.snapshotTaken = !NO_SNAPSHOT.contains(settings.cdc().snapshotMode());
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("initial-snapshot")
                .withData("phase", capture.phase());
        if (!finished && snapshotTaken) {
            try {
                finished = StagedPosition.of(writer.readOffsets()).snapshotFinished();
            } catch (Exception e) {
                return response.withData("error", String.valueOf(e.getMessage())).down().build();
            }
        }
        if (finished || !snapshotTaken) {
            return response.up().build();
        }
        return response.withData("snapshotRowsRead", progress.rowsRead().values().stream().mapToLong(Long::longValue).sum())
                .down().build();
    }
}
