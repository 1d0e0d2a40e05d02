package io.livewarehouse.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The wall-clock split of bench/run --profile, from async-profiler's collapsed stacks. */
@Tag("unit")
class WallProfileTest {

    private static final String POLL = "[pool-6-thread-1 tid=11];java/lang/Thread.run;io/debezium/embedded/async/AsyncEmbeddedEngine$PollRecords.doCall;";
    private static final String STREAM = "[debezium-postgresconnector-x-change-event-source-coordinator tid=12];io/debezium/connector/postgresql/PostgresStreamingChangeEventSource.execute;";

    @Test
    void eachThreadsSamplesFallInOneStateByItsStack() {
        Map<String, Double> split = WallProfile.split(List.of(
                POLL + "io/debezium/embedded/async/ParallelSmtAndConvertConsumerProcessor.processRecords;io/livewarehouse/capture/ChangeConversion.process 50",
                POLL + "io/livewarehouse/staging/StagingWriter.write;org/duckdb/DuckDBConnection.commit;__GI_fsync 25",
                POLL + "io/debezium/connector/base/ChangeEventQueue.poll;java/lang/Thread.sleep 20",
                POLL + "java/util/concurrent/FutureTask.get;jdk/internal/misc/Unsafe.park 5",
                STREAM + "io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.readPending;io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.deserializeMessages;io/debezium/pipeline/meters/CommonEventMeter.onEvent 30",
                STREAM + "io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.readPending;io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.deserializeMessages;io/debezium/connector/base/ChangeEventQueue.doEnqueue;java/util/concurrent/locks/AbstractQueuedSynchronizer$ConditionObject.await;jdk/internal/misc/Unsafe.park 10",
                STREAM + "io/debezium/connector/base/ChangeEventQueue.doEnqueue;java/util/concurrent/locks/ReentrantLock.lock;jdk/internal/misc/Unsafe.park 5",
                STREAM + "io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.readPending;sun/nio/ch/Net.poll 10",
                STREAM + "io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.readPending;io/debezium/connector/postgresql/connection/PostgresReplicationConnection$1.deserializeMessages;io/debezium/relational/RelationalChangeRecordEmitter.emitChangeRecords 50",
                "[pool-7-thread-1 tid=13];io/debezium/embedded/async/ProcessingCallables$TransformAndConvertRecord.call;io/livewarehouse/capture/ConsumerFields.apply 1",
                "[pool-7-thread-1 tid=13];java/util/concurrent/ThreadPoolExecutor.getTask;jdk/internal/misc/Unsafe.park 3",
                "[vert.x-eventloop-thread-0 tid=14];sun/nio/ch/EPoll.wait 400",
                "not a stack line"));

        assertThat(split).containsOnlyKeys(
                "record thread: running (route, conversion, staging buffer)", "record thread: writing to the warehouse",
                "record thread: waiting for Debezium's next records", "record thread: waiting for the transformations",
                "record thread: waiting, other", "Debezium's streaming thread: waiting, other",
                "Debezium's streaming thread: running", "Debezium's streaming thread: running, of which per-event metrics",
                "Debezium's streaming thread: blocked: queue full", "Debezium's streaming thread: reading the replication stream",
                "transformation threads: running", "transformation threads: idle");
        assertThat(split.get("record thread: running (route, conversion, staging buffer)")).isCloseTo(50.0, within(1e-9));
        assertThat(split.get("record thread: writing to the warehouse")).isCloseTo(25.0, within(1e-9));
        assertThat(split.get("record thread: waiting for Debezium's next records")).isCloseTo(20.0, within(1e-9));
        assertThat(split.get("record thread: waiting, other")).as("no samples, still a row").isZero();
        // 105 samples: a park on the queue's lock is contention, not a full queue.
        assertThat(split.get("Debezium's streaming thread: running")).isCloseTo(100.0 * 80 / 105, within(1e-9));
        assertThat(split.get("Debezium's streaming thread: running, of which per-event metrics")).isCloseTo(100.0 * 30 / 105, within(1e-9));
        assertThat(split.get("Debezium's streaming thread: blocked: queue full")).isCloseTo(100.0 * 10 / 105, within(1e-9));
        assertThat(split.get("Debezium's streaming thread: waiting, other")).isCloseTo(100.0 * 5 / 105, within(1e-9));
        assertThat(split.get("transformation threads: idle")).isCloseTo(75.0, within(1e-9));
    }
}
