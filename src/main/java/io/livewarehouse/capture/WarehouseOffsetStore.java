package io.livewarehouse.capture;

import io.livewarehouse.staging.StagingWriter;
import io.quarkus.arc.Arc;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.util.Callback;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Debezium's offset store, kept in the warehouse: the engine's door into the {@link StagingCommit} protocol.
 *
 * <p>Why here: the Camel Debezium consumer marks a record processed as soon as the route returns, and the
 * engine commits processed offsets both on its commit policy and whenever it stops (graceful stop, route
 * reload, failure). Every one of those commits goes through {@link #set}, which hands it to
 * {@link StagingCommit#commit} (rows and offsets in one warehouse transaction) and fails the returned future
 * when that write fails: the engine then keeps its offsets and the replication slot does not advance. Its
 * {@link #start} has the stream prepared ({@link StreamPreparation}: tables checked and published, a lost
 * slot, the snapshot by COPY), retrying while the warehouse is briefly away.
 *
 * <p>Instantiated by Debezium by class name (endpoint option {@code offsetStorage}); reaches the CDI beans
 * through Arc.
 */
public class WarehouseOffsetStore implements OffsetBackingStore {

    private static final Logger LOG = Logger.getLogger(WarehouseOffsetStore.class);

    private StagingWriter writer;
    private CaptureStatus capture;
    private StagingCommit commit;
    /**
     * The offsets as this store last read or wrote them. Only this process writes this capture's offsets
     * (one process per replication slot), so when the warehouse does not answer a read (Debezium reads
     * offsets again while streaming, at commits), this copy is what it holds: the stream goes on waiting for
     * the warehouse instead of the engine failing.
     */
    private final Map<String, String> latest = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean read;

    @Override
    public void configure(WorkerConfig config) {
        // Everything comes from the application's configuration.
    }

    @Override
    public void start() {
        writer = Arc.container().instance(StagingWriter.class).get();
        capture = Arc.container().instance(CaptureStatus.class).get();
        commit = Arc.container().instance(StagingCommit.class).get();
        StreamPreparation preparation = Arc.container().instance(StreamPreparation.class).get();
        // A warehouse that is briefly busy or unreachable must not end the change stream: try a few times.
        for (int attempt = 1; ; attempt++) {
            try {
                preparation.prepare();
                capture.engineStarted();
                preparation.streamStarted();
                return;
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof CapturedTables.Refused refused) {
                    capture.engineRefused(refused.getMessage());
                    throw e;
                }
                if (attempt == 5) {
                    capture.engineStopped("could not start: " + io.livewarehouse.support.Messages.of(e));
                    throw e;
                }
                LOG.warnf("Preparing the change stream failed (attempt %d of 5), retrying: %s", attempt, io.livewarehouse.support.Messages.of(e));
                try {
                    Thread.sleep(1000L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public void stop() {
        // Nothing held (the warehouse connection belongs to the application), but the engine stops with its
        // offset store: when that happens while the route still runs, the engine has died (liveness).
        if (capture != null && !capture.engineState().startsWith("could not start") && !capture.engineRefused()) {
            capture.engineStopped("the Debezium engine stopped");
        }
    }

    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        try {
            Map<String, String> stored;
            try {
                stored = writer.readOffsets();
                latest.clear();
                latest.putAll(stored);
                read = true;
            } catch (Exception e) {
                if (!read) {
                    throw e;
                }
                LOG.debugf("The warehouse did not answer an offset read; the offsets this process stored serve: %s",
                        e.getMessage());
                stored = Map.copyOf(latest);
            }
            Map<ByteBuffer, ByteBuffer> result = new HashMap<>();
            for (ByteBuffer key : keys) {
                String value = stored.get(text(key));
                if (value != null) {
                    result.put(key, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
                }
            }
            return CompletableFuture.completedFuture(result);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        Map<String, String> offsets = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            if (key != null && value != null) {
                offsets.put(text(key), text(value));
            }
        });
        try {
            Map<String, String> stored = commit.commit(offsets);
            if (stored != null) {
                latest.putAll(stored);
            }
            if (callback != null) {
                callback.onCompletion(null, null);
            }
            return CompletableFuture.completedFuture(null);
        } catch (Exception e) {
            LOG.warnf("Staging write failed; offsets not committed, the events stay buffered and are retried: %s", io.livewarehouse.support.Messages.of(e));
            if (callback != null) {
                callback.onCompletion(e, null);
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }

    private static String text(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
