package io.livewarehouse.staging;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far staging has come in this process, for health, the pipeline page, the data tests and metrics:
 * rows and batches written, the newest LSN and complete transaction staged, the write time, batch sizes and
 * the latency from source commit to staging commit. Written under the writer's lock, read from anywhere.
 */
public final class StagingProgress {

    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong batchesWritten = new AtomicLong();
    private volatile OffsetDateTime lastBatchAt;
    private volatile long lastStagedLsn;
    private volatile long lastStagedTransactionId;
    /** The highest streamed transaction id written so far, complete or not. */
    private long streamedTransactionWritten;
    private final Timer writeTimer;
    private final DistributionSummary batchRows;
    private final Timer commitToStaging;

    StagingProgress(MeterRegistry registry) {
        this.writeTimer = Timer.builder("pipeline.staging.write")
                .description("Time to write one staging batch with its offsets, in one warehouse transaction")
                .publishPercentileHistogram().register(registry);
        this.batchRows = DistributionSummary.builder("pipeline.staging.batch.rows")
                .description("Change events per staging batch").register(registry);
        this.commitToStaging = Timer.builder("pipeline.staging.latency")
                .description("From the source commit of a streamed change to its staging batch committing")
                .publishPercentileHistogram().register(registry);
    }

    /** A batch of changes committed, begun at {@code startedNanos}, with offsets stored or not. */
    void batchCommitted(List<StagedChange> changes, boolean offsetsStored, long startedNanos) {
        writeTimer.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        batchRows.record(changes.size());
        rowsWritten.addAndGet(changes.size());
        batchesWritten.incrementAndGet();
        lastBatchAt = OffsetDateTime.now(ZoneOffset.UTC);
        long committedMicros = ChronoUnit.MICROS.between(Instant.EPOCH, lastBatchAt.toInstant());
        for (StagedChange change : changes) {
            lastStagedLsn = Math.max(lastStagedLsn, change.lsn());
            // Snapshot rows carry the snapshot's own transaction id, which says nothing about what was streamed.
            if (change.transactionId() != null && !"r".equals(change.operation())) {
                streamedTransactionWritten = Math.max(streamedTransactionWritten, change.transactionId());
            }
            if (change.sourceTimestamp() != null && !"r".equals(change.operation())) {
                long sourceMicros = ChronoUnit.MICROS.between(Instant.EPOCH, change.sourceTimestamp().toInstant());
                commitToStaging.record(Math.max(0, committedMicros - sourceMicros), TimeUnit.MICROSECONDS);
            }
        }
        if (offsetsStored) {
            // Offsets are stored only when the engine stands at a transaction end: every change written so far
            // belongs to a transaction staged whole. (A batch without offsets may end inside a large transaction,
            // whose id must not show before all of it is in.)
            lastStagedTransactionId = Math.max(lastStagedTransactionId, streamedTransactionWritten);
        }
    }

    /** A snapshot of every table committed at {@code lsn}. */
    void snapshotCommitted(long rows, long lsn) {
        rowsWritten.addAndGet(rows);
        batchesWritten.incrementAndGet();
        lastBatchAt = OffsetDateTime.now(ZoneOffset.UTC);
        lastStagedLsn = Math.max(lastStagedLsn, lsn);
    }

    /** One table's own snapshot committed. */
    void tableSnapshotCommitted(long rows) {
        rowsWritten.addAndGet(rows);
        batchesWritten.incrementAndGet();
    }

    public long rowsWritten() {
        return rowsWritten.get();
    }

    public long batchesWritten() {
        return batchesWritten.get();
    }

    public OffsetDateTime lastBatchAt() {
        return lastBatchAt;
    }

    /** Highest source LSN written to staging by this process. */
    public long lastStagedLsn() {
        return lastStagedLsn;
    }

    /**
     * The source transaction up to which staging holds every change, as of the offsets this process stored
     * last (0 before any): any transaction with an id up to it that committed before it is staged whole.
     */
    public long lastStagedTransactionId() {
        return lastStagedTransactionId;
    }
}
