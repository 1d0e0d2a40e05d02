package io.livewarehouse.capture;

import io.debezium.engine.spi.OffsetCommitPolicy;
import io.livewarehouse.config.PipelineSettings;

import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * When the Debezium engine should commit offsets, which in this pipeline is when the staging batch is written
 * (see {@link WarehouseOffsetStore}): after {@code pipeline.staging.batch-size} events or
 * {@code pipeline.staging.flush-interval-ms}, whichever comes first. The engine asks at the end of each poll.
 *
 * <p>At idle, when the commit would store offsets alone (nothing buffered, nothing staged since the offsets
 * last stored: only the source's heartbeats moved them), at most every
 * {@code pipeline.staging.idle-commit-interval-ms}: otherwise every heartbeat is a warehouse transaction, which
 * on Snowflake keeps a virtual warehouse awake for nothing. Skipping the engine's commit, not the offset
 * store's write, is what keeps this safe: Debezium confirms the slot only as far as the offsets it committed,
 * so the slot never stands past what the warehouse holds (a skipped write would leave the slot ahead of the
 * stored offsets, and the next start would find it "moved past" them).
 */
public class StagingCommitPolicy implements OffsetCommitPolicy {

    /** Whether a commit now would store offsets only; see {@link io.livewarehouse.staging.StagingWriter#offsetsOnly}. */
    private static volatile BooleanSupplier offsetsOnly = () -> false;

    private final long batchSize;
    private final Duration interval;
    private final Duration idleInterval;

    public StagingCommitPolicy() {
        this(new Properties());
    }

    /** Debezium instantiates commit policies with the engine properties. */
    public StagingCommitPolicy(Properties ignored) {
        var staging = PipelineSettings.current().staging();
        this.batchSize = staging.batchSize();
        this.interval = Duration.ofMillis(staging.flushIntervalMs());
        this.idleInterval = Duration.ofMillis(Math.max(staging.flushIntervalMs(), staging.idleCommitIntervalMs()));
    }

    StagingCommitPolicy(long batchSize, Duration interval, Duration idleInterval) {
        this.batchSize = batchSize;
        this.interval = interval;
        this.idleInterval = idleInterval;
    }

    /** The staging commit says when a commit would store offsets only (the engine makes its policy itself). */
    static void offsetsOnlyWhen(BooleanSupplier supplier) {
        offsetsOnly = supplier;
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        if (numberOfMessagesSinceLastCommit >= batchSize) {
            return true;
        }
        if (timeSinceLastCommit.compareTo(interval) < 0) {
            return false;
        }
        return timeSinceLastCommit.compareTo(idleInterval) >= 0 || !offsetsOnly.getAsBoolean();
    }
}
