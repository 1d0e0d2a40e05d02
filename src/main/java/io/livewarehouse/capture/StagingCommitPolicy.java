package io.livewarehouse.capture;

import io.debezium.engine.spi.OffsetCommitPolicy;
import io.livewarehouse.config.PipelineSettings;

import java.time.Duration;
import java.util.Properties;

/**
 * When the Debezium engine should commit offsets, which in this pipeline is when the staging batch is written
 * (see {@link WarehouseOffsetStore}): after {@code pipeline.staging.batch-size} events or
 * {@code pipeline.staging.flush-interval-ms}, whichever comes first. The engine asks at the end of each poll.
 */
public class StagingCommitPolicy implements OffsetCommitPolicy {

    private final long batchSize;
    private final Duration interval;

    public StagingCommitPolicy() {
        this(new Properties());
    }

    /** Debezium instantiates commit policies with the engine properties. */
    public StagingCommitPolicy(Properties ignored) {
        var staging = PipelineSettings.current().staging();
        this.batchSize = staging.batchSize();
        this.interval = Duration.ofMillis(staging.flushIntervalMs());
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        return numberOfMessagesSinceLastCommit >= batchSize || timeSinceLastCommit.compareTo(interval) >= 0;
    }
}
