package io.livewarehouse.capture;

import io.debezium.engine.spi.OffsetCommitPolicy;
import org.eclipse.microprofile.config.ConfigProvider;

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
        var config = ConfigProvider.getConfig();
        this.batchSize = config.getValue("pipeline.staging.batch-size", Long.class);
        this.interval = Duration.ofMillis(config.getValue("pipeline.staging.flush-interval-ms", Long.class));
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        return numberOfMessagesSinceLastCommit >= batchSize || timeSinceLastCommit.compareTo(interval) >= 0;
    }
}
