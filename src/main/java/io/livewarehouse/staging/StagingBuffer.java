package io.livewarehouse.staging;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Change events converted but not yet written to the warehouse, in source order. The Debezium engine thread
 * adds to it; the staging writer drains it in the same warehouse transaction that stores the offsets.
 */
@ApplicationScoped
public class StagingBuffer {

    /** What one write takes out of the buffer. */
    public record Batch(List<StagedChange> changes, List<DeadLetter> deadLetters) {
        public boolean isEmpty() {
            return changes.isEmpty() && deadLetters.isEmpty();
        }
    }

    private List<StagedChange> changes = new ArrayList<>();
    private List<DeadLetter> deadLetters = new ArrayList<>();
    private String poison;

    public synchronized void add(StagedChange change) {
        changes.add(change);
    }

    public synchronized void add(DeadLetter deadLetter) {
        deadLetters.add(deadLetter);
    }

    public synchronized int size() {
        return changes.size() + deadLetters.size();
    }

    public synchronized Batch drain() {
        Batch batch = new Batch(changes, deadLetters);
        changes = new ArrayList<>();
        deadLetters = new ArrayList<>();
        return batch;
    }

    /** Puts a batch that could not be written back in front of whatever arrived since. */
    public synchronized void restore(Batch batch) {
        List<StagedChange> restoredChanges = new ArrayList<>(batch.changes());
        restoredChanges.addAll(changes);
        changes = restoredChanges;
        List<DeadLetter> restoredDeadLetters = new ArrayList<>(batch.deadLetters());
        restoredDeadLetters.addAll(deadLetters);
        deadLetters = restoredDeadLetters;
    }

    /**
     * Marks the buffer unusable (fail-fast mode met an event it cannot stage): from now on offsets are never
     * committed, so a restart replays from the last good position once the cause is fixed.
     */
    public synchronized void poison(String reason) {
        if (poison == null) {
            poison = reason;
        }
    }

    public synchronized String poison() {
        return poison;
    }
}
