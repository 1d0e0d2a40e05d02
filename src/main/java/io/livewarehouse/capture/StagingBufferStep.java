package io.livewarehouse.capture;

import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.staging.StagingBuffer;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Step {@code staging-buffer}, the capture route's last: the event's changes join the batch that the next
 * {@link StagingCommit} writes with its offsets. Nothing is written here; a buffer grown past its limit
 * (the warehouse refusing writes) holds the engine thread until it can be written ({@link StagingCommit#relieve}).
 */
@ApplicationScoped
public class StagingBufferStep implements Processor {

    private final StagingBuffer buffer;
    private final StagingCommit commit;
    private final CaptureStatus status;
    private final SnapshotProgress snapshotProgress;

    public StagingBufferStep(StagingBuffer buffer, StagingCommit commit, CaptureStatus status,
                             SnapshotProgress snapshotProgress) {
        this.buffer = buffer;
        this.commit = commit;
        this.status = status;
        this.snapshotProgress = snapshotProgress;
    }

    @Override
    public void process(Exchange exchange) {
        CapturedEvent event = exchange.getMessage().getBody(CapturedEvent.class);
        for (StagedChange change : event.changes()) {
            buffer.add(change);
            status.staged(event.schema(), change);
        }
        if (event.snapshotRow() && !event.changes().isEmpty()) {
            snapshotProgress.rowRead(event.schema(), event.changes().get(0).table());
        }
        status.read(event.snapshotRow(), event.snapshot());
        commit.relieve();
    }
}
