package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * Watches the replication slot while the pipeline runs (the {@code slot-watch} timer route): when the slot
 * is gone or invalidated, the change stream is started again, and its start deals with the lost slot as it
 * does at any start ({@code pipeline.cdc.on-lost-slot}: a new slot and a new snapshot, or a refusal that
 * readiness explains).
 *
 * <p>Why: a slot dropped or invalidated under a running pipeline ends Debezium's stream, and Debezium's own
 * restart refuses the stored offsets for ever ("no longer available on the server"); without this the
 * engine would lie dead until an orchestrator restarted the whole process, and a process nobody restarts
 * would stay silent.
 */
@ApplicationScoped
@Named("slotWatch")
public class SlotWatch {

    private static final Logger LOG = Logger.getLogger(SlotWatch.class);
    private static final String ROUTE = CaptureRoute.ROUTE;

    private final CamelContext camel;
    private final CaptureStatus capture;
    private final StagingWriter writer;
    private final SourceConnections source;
    private final String slotName;
    /** A lost slot seen at the previous check while a stream may still have been reconnecting. */
    private String seenBefore;
    private final io.livewarehouse.warehouse.OperationLog operations;
    /** The source's last error while it cannot be reached, for the run log; null while it answers. */
    private String sourceDown;

    public SlotWatch(CamelContext camel, CaptureStatus capture, StagingWriter writer, SourceConnections source,
                     PipelineSettings settings,
                     io.livewarehouse.warehouse.OperationLog operations) {
        this.operations = operations;
        this.camel = camel;
        this.capture = capture;
        this.writer = writer;
        this.source = source;
        this.slotName = settings.cdc().slotName();
    }

    /** Records in the run log when the source stops answering and when it answers again. */
    private void watchSource() {
        try (java.sql.Connection connection = source.open(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute("select 1");
            if (sourceDown != null) {
                operations.record("source reachable again", null, "the change stream reconnects and goes on from the "
                        + "stored offsets (unreachable before: " + sourceDown + ")");
                sourceDown = null;
            }
        } catch (Exception e) {
            if (sourceDown == null) {
                sourceDown = io.livewarehouse.support.Messages.of(e);
                operations.record("source unreachable", null, sourceDown);
            }
        }
    }

    /** Whether the running stream's snapshot was seen finished (forgotten when the route stops or resyncs). */
    private boolean snapshotFinished;

    /** One check; restarts the capture route when its slot is lost (at the second check in a row). */
    public synchronized void check() {
        watchSource();
        ServiceStatus route = camel.getRouteController().getRouteStatus(ROUTE);
        if (route != ServiceStatus.Started || capture.engineRefused() || capture.resyncing() != null
                || "not started".equals(capture.engineState())) {
            seenBefore = null;
            snapshotFinished = false;
            return;
        }
        String lost;
        try {
            // Read from the warehouse until the stream's snapshot is seen finished, then remembered while the
            // route runs: a check every 10 s would otherwise keep a Snowflake warehouse awake at idle.
            if (!snapshotFinished) {
                Map<String, String> offsets = writer.readOffsets();
                if (offsets.isEmpty() || !StagedPosition.of(offsets).snapshotFinished()) {
                    seenBefore = null;
                    return;
                }
                snapshotFinished = true;
            }
            // Positions are left out: offsets and the slot move while the stream runs.
            lost = LostSlot.reason(source, slotName, -1);
        } catch (Exception e) {
            // An unreachable source or warehouse: readiness says so; nothing to decide here.
            return;
        }
        if (lost == null) {
            seenBefore = null;
            return;
        }
        if (seenBefore == null && !capture.engineStopped()) {
            // The engine may be between a drop and its own failure: look again at the next check.
            seenBefore = lost;
            return;
        }
        seenBefore = null;
        LOG.warnf("The change stream's %s; starting the change stream again (pipeline.cdc.on-lost-slot decides what "
                + "follows)", lost);
        snapshotFinished = false;
        try {
            camel.getRouteController().stopRoute(ROUTE);
            camel.getRouteController().startRoute(ROUTE);
        } catch (Exception e) {
            LOG.errorf("Could not restart the change stream after its slot was lost: %s",
                    io.livewarehouse.support.Messages.of(e));
        }
    }
}
