package io.livewarehouse.capture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** When the engine commits: by batch size or flush interval, and at idle (offsets alone) only now and then. */
@Tag("unit")
class StagingCommitPolicyTest {

    private final StagingCommitPolicy policy = new StagingCommitPolicy(10_000, Duration.ofMillis(250), Duration.ofSeconds(60));
    private final AtomicBoolean offsetsOnly = new AtomicBoolean();

    @AfterEach
    void forget() {
        StagingCommitPolicy.offsetsOnlyWhen(() -> false);
    }

    @Test
    void changesCommitAtTheBatchSizeOrTheFlushInterval() {
        StagingCommitPolicy.offsetsOnlyWhen(offsetsOnly::get);
        assertThat(policy.performCommit(10_000, Duration.ofMillis(10))).isTrue();
        assertThat(policy.performCommit(3, Duration.ofMillis(100))).isFalse();
        assertThat(policy.performCommit(3, Duration.ofMillis(250))).isTrue();
    }

    @Test
    void heartbeatsAloneCommitOnlyAtTheIdleInterval() {
        StagingCommitPolicy.offsetsOnlyWhen(offsetsOnly::get);
        offsetsOnly.set(true);
        assertThat(policy.performCommit(1, Duration.ofSeconds(1))).isFalse();
        assertThat(policy.performCommit(59, Duration.ofSeconds(59))).isFalse();
        assertThat(policy.performCommit(60, Duration.ofSeconds(60))).isTrue();
        // A change buffered (or a wait for the stored offsets) ends the idle spacing at once.
        offsetsOnly.set(false);
        assertThat(policy.performCommit(2, Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void withoutAStagingCommitYetEveryIntervalCommits() {
        assertThat(policy.performCommit(1, Duration.ofSeconds(1))).isTrue();
    }
}
