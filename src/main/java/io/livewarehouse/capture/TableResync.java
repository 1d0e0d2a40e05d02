package io.livewarehouse.capture;

import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.staging.SnapshotCopy;
import io.livewarehouse.staging.StagingWriter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * New snapshots of single tables while the stream goes on: a table added to {@code pipeline.source.tables}
 * after the first snapshot, or one resynced on demand ({@code POST /pipeline/tables/{table}/resync}).
 *
 * <p>How it stays exact without stopping the stream (the problem Debezium's incremental snapshots solve with
 * watermarks): first the table's streamed changes are held ({@link StagingWriter#hold}, recorded in the
 * warehouse), then the table is copied in a snapshot of its own, then one warehouse transaction stages the
 * snapshot rows, the held changes after them, and a delete for every key the snapshot did not see. Everything
 * committed after the snapshot was held; what was held and committed before it is either superseded by a later
 * change of its key or agrees with the snapshot. The other tables stream on meanwhile; the held table's
 * changes reach the marts when its snapshot does. A crash anywhere leaves the hold recorded, and the copy is
 * simply taken again (with the held changes kept).
 */
@ApplicationScoped
public class TableResync {

    private static final Logger LOG = Logger.getLogger(TableResync.class);
    private static final long RETRY_SECONDS = 10;
    private static final long STREAM_WAIT_NANOS = 30_000_000_000L;

    private final StagingWriter writer;
    private final CopySnapshot copier;
    private final SourceSettings settings;
    private final CaptureStatus capture;
    private final MeterRegistry registry;
    private final io.livewarehouse.warehouse.OperationLog operations;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "table-resync");
        thread.setDaemon(true);
        return thread;
    });
    /** The table being copied now, or null. */
    private volatile String copying;
    /** Per table waiting, the last failure of its copy (it is retried). */
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private volatile int waiting;
    private final java.util.concurrent.atomic.AtomicBoolean queued = new java.util.concurrent.atomic.AtomicBoolean();
    private final io.livewarehouse.source.SourceConnections source;
    private final String slotName;

    public TableResync(StagingWriter writer, CopySnapshot copier, SourceSettings settings, CaptureStatus capture,
                       MeterRegistry registry, io.livewarehouse.warehouse.OperationLog operations,
                       io.livewarehouse.source.SourceConnections source,
                       io.livewarehouse.config.PipelineSettings pipeline) {
        this.operations = operations;
        this.source = source;
        this.slotName = pipeline.cdc().slotName();
        this.writer = writer;
        this.copier = copier;
        this.settings = settings;
        this.capture = capture;
        this.registry = registry;
        Gauge.builder("pipeline.tables.resyncing", this, resync -> resync.waiting)
                .description("Captured tables waiting for a snapshot of their own (added to the capture, or resynced)")
                .register(registry);
    }

    /**
     * Asks for a new snapshot of captured table {@code qualified} (schema.table). Returns false when one is
     * waiting already. Refused for a table that is not captured, and where snapshots are not taken by COPY.
     */
    public boolean request(String qualified, String reason) throws java.sql.SQLException {
        String[] parts = TableSettings.schemaAndTable(qualified);
        String table = parts[0] + "." + parts[1];
        if (settings.tables().stream().map(t -> String.join(".", TableSettings.schemaAndTable(t))).noneMatch(table::equals)) {
            throw new IllegalArgumentException(table + " is not captured (pipeline.source.tables: "
                    + String.join(",", settings.tables()) + ")");
        }
        requireCopies(table);
        boolean added = writer.hold(table, reason);
        if (added) {
            operations.record(reason, table, "its changes are held until its new snapshot is staged");
        }
        schedule(0);
        return added;
    }

    /** A resync needs the snapshot by COPY, which only a warehouse that loads the copied files takes. */
    void requireCopies(String table) {
        if (!copier.copies()) {
            throw new IllegalStateException("a snapshot of " + table + " on its own is taken by COPY, which the "
                    + writer.dialect().name() + " warehouse does not load (pipeline.cdc.snapshot-method=debezium)");
        }
    }

    /** The change stream runs: the tables waiting (also since an earlier run) are copied now. */
    void streamStarted() {
        schedule(0);
    }

    /** The table being copied now, or null. */
    public String copying() {
        return copying;
    }

    /** Per table waiting whose copy failed (it is retried), the last error. */
    public Map<String, String> failures() {
        return Map.copyOf(failures);
    }

    /** One run at a time is queued: requests while one waits join it. */
    private void schedule(long delaySeconds) {
        if (!worker.isShutdown() && queued.compareAndSet(false, true)) {
            worker.schedule(this::runPending, delaySeconds, TimeUnit.SECONDS);
        }
    }

    private void runPending() {
        queued.set(false);
        Map<String, String> pending = writer.pendingResyncs();
        waiting = pending.size();
        List<String> captured = settings.tables().stream()
                .map(t -> String.join(".", TableSettings.schemaAndTable(t))).toList();
        boolean retry = false;
        for (Map.Entry<String, String> entry : pending.entrySet()) {
            String table = entry.getKey();
            if (!captured.contains(table)) {
                LOG.warnf("%s waits for a snapshot but is no longer captured: its wait ends when the stream starts next", table);
                continue;
            }
            if (!resync(table, entry.getValue())) {
                retry = true;
            }
        }
        waiting = writer.pendingResyncs().size();
        if (retry) {
            schedule(RETRY_SECONDS);
        }
    }

    /** Copies and stages one table; false when it failed and is to be tried again. */
    private boolean resync(String table, String reason) {
        Path directory = null;
        copying = table;
        try {
            directory = Files.createTempDirectory("live-warehouse-resync");
            OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
            long generation = writer.generation();
            LOG.infof("Snapshot of %s on its own (%s): copying while the other tables stream on", table, reason);
            CopySnapshot.TableCopy copied = copier.copyOne(table, directory);
            awaitStreamPast(table, copied.lsn());
            SnapshotCopy staged = writer.writeResync(copied.copy(), reason, started, copied.lsn(),
                    copied.transaction(), copied.at(), settings.hashSalt().orElse(""), generation);
            capture.tableResynced(staged, reason);
            registry.counter("pipeline.table.syncs", "table", table).increment();
            failures.remove(table);
            return true;
        } catch (StagingWriter.StaleCopy stale) {
            LOG.infof("The copy of %s is not staged: %s", table, stale.getMessage());
            failures.remove(table);
            return true;
        } catch (Exception e) {
            failures.put(table, io.livewarehouse.support.Messages.of(e));
            LOG.warnf("The snapshot of %s failed, retrying in %d s (its changes stay held, nothing is lost): %s",
                    table, RETRY_SECONDS, io.livewarehouse.support.Messages.of(e));
            return false;
        } finally {
            copying = null;
            if (directory != null) {
                try (var files = Files.list(directory)) {
                    for (Path file : files.toList()) {
                        Files.deleteIfExists(file);
                    }
                    Files.deleteIfExists(directory);
                } catch (java.io.IOException e) {
                    LOG.debugf("Could not remove %s: %s", directory, e.getMessage());
                }
            }
        }
    }

    /**
     * Waits until the stream has staged everything committed before the copy's snapshot, as far as the slot's
     * confirmed position shows it (offsets are stored, and confirmed, only with the rows they cover). Why: a
     * held change committed before the snapshot is staged after its rows; were a later change of its key,
     * also before the snapshot, still on its way, the current state would show the older one until it came.
     * A source with no traffic at all may never move the slot that far: then, after a while, there is nothing
     * in flight to wait for.
     */
    private void awaitStreamPast(String table, long lsn) throws java.sql.SQLException, InterruptedException {
        long deadline = System.nanoTime() + STREAM_WAIT_NANOS;
        // The slot is confirmed with the stored offsets, which at idle move only now and then: not while this waits.
        try (StagingWriter.OffsetsWanted wanted = writer.offsetsWanted()) {
            while (System.nanoTime() < deadline) {
                try (java.sql.Connection connection = source.open();
                     java.sql.PreparedStatement query = connection.prepareStatement(
                             "select (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint from pg_replication_slots where slot_name = ?")) {
                    query.setString(1, slotName);
                    try (java.sql.ResultSet row = query.executeQuery()) {
                        if (row.next() && row.getLong(1) >= lsn) {
                            return;
                        }
                    }
                }
                Thread.sleep(200);
            }
        }
        LOG.infof("The stream did not confirm the position of the copy of %s within %d s (a quiet source): staging it",
                table, STREAM_WAIT_NANOS / 1_000_000_000L);
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
