package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livewarehouse.staging.StagingBuffer;
import io.livewarehouse.staging.StagingWriter;
import io.livewarehouse.support.Messages;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * The commit protocol between the change stream and the warehouse: the staged rows and the Debezium offsets
 * that cover them are written in one warehouse transaction, so after a crash at any moment staging holds
 * exactly the changes up to the stored offsets, and the replication slot is never confirmed past them.
 *
 * <ol>
 *   <li>The capture route's steps only buffer ({@link StagingBufferStep}); the Debezium engine decides when to
 *       commit ({@link StagingCommitPolicy}: batch size or flush interval) and whenever it stops.</li>
 *   <li>Every engine commit reaches {@link #commit} through the offset store Debezium is given
 *       ({@link WarehouseOffsetStore#set}). The buffer is drained and written with the offsets in one
 *       transaction ({@link StagingWriter#write}); if that fails, the engine's commit fails, it keeps its
 *       offsets, and the rows stay buffered for the next try.</li>
 *   <li>Offsets are stored only at a transaction end (a COMMIT, reached through the END marker that
 *       transaction metadata provides) or in the snapshot. Elsewhere the rows are still written, without
 *       offsets: an offset inside a transaction is unsafe to store (events sharing one LSN after it would be
 *       skipped on restart), and a restart replays the open transaction from its start, whose events staging
 *       recognises by (LSN, sequence) and does not stage twice.</li>
 * </ol>
 */
@ApplicationScoped
public class StagingCommit {

    private static final Logger LOG = Logger.getLogger(StagingCommit.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StagingWriter writer;
    private final StagingBuffer buffer;
    private final int maxBufferedRows;

    public StagingCommit(StagingWriter writer, StagingBuffer buffer,
                         PipelineSettings settings) {
        this.writer = writer;
        this.buffer = buffer;
        this.maxBufferedRows = settings.staging().maxBufferedRows();
        StagingCommitPolicy.offsetsOnlyWhen(writer::offsetsOnly);
    }

    /** A restarted application in the same JVM (dev mode, test profiles) must not ask this one's writer. */
    @jakarta.annotation.PreDestroy
    void forgetPolicy() {
        StagingCommitPolicy.offsetsOnlyWhen(() -> false);
    }

    /**
     * Writes the buffered rows, with {@code engineOffsets} when they sit at a transaction boundary.
     *
     * @return the offsets stored, or null when the rows were written without offsets
     * @throws Exception when the warehouse refused the transaction: nothing of it is stored
     */
    Map<String, String> commit(Map<String, String> engineOffsets) throws Exception {
        Map<String, String> stored = offsetsToStore(engineOffsets);
        writer.write(stored);
        return stored;
    }

    /** {@code engineOffsets} when every one of them is a transaction boundary, else null. */
    static Map<String, String> offsetsToStore(Map<String, String> engineOffsets) {
        for (String offset : engineOffsets.values()) {
            if (!isTransactionBoundary(offset)) {
                LOG.tracef("Keeping stored offsets: engine offset %s is inside a transaction", offset);
                return null;
            }
        }
        return engineOffsets;
    }

    static boolean isTransactionBoundary(String offsetJson) {
        try {
            Map<?, ?> offset = JSON.readValue(offsetJson, Map.class);
            Object messageType = offset.get("messageType");
            // Snapshot offsets carry no message type; a restart redoes an unfinished snapshot as a whole. A
            // non-transactional logical message (the heartbeat's) is decoded between transactions.
            return messageType == null || "COMMIT".equals(messageType) || "MESSAGE".equals(messageType);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * While the warehouse cannot take writes the buffer would grow without bound. Past the limit, block the
     * engine thread (so Debezium stops reading and the slot keeps the WAL) and retry writing the rows without
     * offsets; staging recognises them if they are replayed later.
     */
    void relieve() {
        long wait = 100;
        while (buffer.size() >= maxBufferedRows) {
            try {
                writer.write(null);
                return;
            } catch (Exception e) {
                LOG.warnf("Staging buffer full (%d rows) and the warehouse refuses writes; retrying in %d ms: %s",
                        buffer.size(), wait, Messages.of(e));
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                wait = Math.min(Duration.ofSeconds(10).toMillis(), wait * 2);
            }
        }
    }
}
