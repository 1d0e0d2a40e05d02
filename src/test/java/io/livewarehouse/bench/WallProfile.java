package io.livewarehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the streaming threads spend the measured part of a drain, by wall clock (bench/run --profile, when
 * async-profiler installs): async-profiler is attached to the running pipeline when the drain reaches its
 * measured sets and stopped at its end, so the JIT warm-up is not in it. CPU shares (ThreadCpu) say how busy a
 * thread is; this says what it waits for when it is not, which is what decides whether the record thread or
 * Debezium's own thread holds the rate.
 *
 * <p>Each thread's samples fall in one state, by its stack: for the engine's record thread (the async engine's
 * poll loop: the route, conversion, staging) running, writing to the warehouse, waiting for Debezium's next
 * records, waiting for the transformation threads; for Debezium's streaming thread (decoding pgoutput, building
 * records) running, of which its per-event metrics, blocked on a full queue, reading the replication stream
 * (pgjdbc's socket read and parsing before Debezium decodes).
 */
final class WallProfile {

    /** The thread groups reported; each state is in % of its group's samples (a pool: all its threads'). */
    static final String RECORD = "record thread";
    static final String DEBEZIUM = "Debezium's streaming thread";
    static final String TRANSFORMS = "transformation threads";

    private final long pid;
    private final Path library;
    private final Path output;

    private WallProfile(long pid, Path library, Path output) {
        this.pid = pid;
        this.library = library;
        this.output = output;
    }

    /** The profiler library bench/run --profile fetched (-Dbench.asyncProfiler), or null when there is none. */
    static Path library() {
        String path = System.getProperty("bench.asyncProfiler", "");
        return !path.isBlank() && Files.isRegularFile(Path.of(path)) ? Path.of(path) : null;
    }

    /** Starts wall-clock sampling (every 5 ms, per thread) in process {@code pid}. */
    static WallProfile start(long pid, Path library, Path output) throws Exception {
        WallProfile profile = new WallProfile(pid, library, output);
        profile.command("start,event=wall,interval=5ms,threads");
        return profile;
    }

    /** As {@link #start}, or null (and why, on stderr) when the profiler cannot attach: the run goes on without it. */
    static WallProfile startOrNull(long pid, Path library, Path output) {
        try {
            return start(pid, library, output);
        } catch (Exception | LinkageError e) {
            System.err.println("bench: async-profiler did not attach, no wall-clock split this run: " + e);
            return null;
        }
    }

    /** Stops sampling and writes the stacks, collapsed, to the output file; the split of {@link #split}. */
    Map<String, Double> stop() throws Exception {
        command("stop,collapsed,file=" + output);
        return split(Files.readAllLines(output));
    }

    private void command(String options) throws Exception {
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgentPath(library.toString(), options);
        } finally {
            vm.detach();
        }
    }

    /**
     * "group: state" to % of that group's samples, from collapsed stacks ("[thread tid=N];frame;frame count").
     * A group of several threads (the transformation pool) is their total.
     */
    static Map<String, Double> split(List<String> collapsed) {
        Map<String, Map<String, Long>> byThread = new TreeMap<>();
        Map<String, String> groups = new LinkedHashMap<>();
        for (String line : collapsed) {
            int space = line.lastIndexOf(' ');
            if (space < 0 || !line.startsWith("[")) {
                continue;
            }
            String stack = line.substring(0, space);
            long samples = Long.parseLong(line.substring(space + 1).trim());
            String thread = stack.substring(0, stack.indexOf(']') + 1);
            String group = group(thread, stack);
            if (group != null) {
                groups.putIfAbsent(thread, group);
            }
            byThread.computeIfAbsent(thread, t -> new TreeMap<>()).merge(stack, samples, Long::sum);
        }
        Map<String, Map<String, Long>> states = new LinkedHashMap<>();
        Map<String, Long> totals = new LinkedHashMap<>();
        for (var thread : byThread.entrySet()) {
            String group = groups.get(thread.getKey());
            if (group == null) {
                continue;
            }
            for (var stack : thread.getValue().entrySet()) {
                states.computeIfAbsent(group, g -> new LinkedHashMap<>()).merge(state(group, stack.getKey()),
                        stack.getValue(), Long::sum);
                totals.merge(group, stack.getValue(), Long::sum);
                if (DEBEZIUM.equals(group) && stack.getKey().contains("CommonEventMeter.onEvent")) {
                    states.get(group).merge(METRICS, stack.getValue(), Long::sum);
                }
            }
        }
        // Every state of a group seen, 0 where it had no samples: a run's table has the same rows as the others'.
        for (var group : states.entrySet()) {
            STATES.get(group.getKey()).forEach(state -> group.getValue().putIfAbsent(state, 0L));
        }
        Map<String, Double> split = new LinkedHashMap<>();
        for (var group : states.entrySet()) {
            for (String state : STATES.get(group.getKey())) {
                split.put(group.getKey() + ": " + state, 100.0 * group.getValue().get(state) / totals.get(group.getKey()));
            }
        }
        return split;
    }

    /**
     * A thread's group, known from any of its stacks; null for the threads not reported. (A transformation
     * thread that ran no transformation in the window is not known as one: the pool's idle share is a floor.)
     */
    private static String group(String thread, String stack) {
        if (thread.contains("change-event-source-coordinator") || stack.contains("ChangeEventSourceCoordinator")) {
            return DEBEZIUM;
        }
        if (stack.contains("AsyncEmbeddedEngine$PollRecords")) {
            return RECORD;
        }
        if (stack.contains("TransformAndConvertRecord")) {
            return TRANSFORMS;
        }
        return null;
    }

    private static String state(String group, String stack) {
        boolean parked = stack.contains("park") || stack.contains("Object.wait") || stack.contains("await");
        return switch (group) {
            case RECORD -> stack.contains("ChangeEventQueue.poll") ? WAITING_FOR_DEBEZIUM
                    : stack.contains("FutureTask.get") || stack.contains("FutureTask.awaitDone") ? WAITING_FOR_TRANSFORMS
                    : stack.contains("StagingWriter.write") ? WRITING
                    : parked ? WAITING_OTHER : RECORD_RUNNING;
            // Only the wait on the queue's condition is back-pressure; a park on its lock is contention with
            // the record thread's poll. Reading the stream is pgjdbc's read of what the walsender sent: the
            // socket and the parsing before Debezium decodes a message.
            case DEBEZIUM -> stack.contains("ChangeEventQueue.doEnqueue") && stack.contains("ConditionObject.await") ? QUEUE_FULL
                    : stack.contains("readPending") && !stack.contains("deserializeMessages") ? READING
                    : parked || stack.contains("sleep") ? WAITING_OTHER : RUNNING;
            default -> stack.contains("ThreadPoolExecutor.getTask") ? IDLE : RUNNING;
        };
    }

    // Each state's name, once: state() counts samples under it and STATES reports it (0 when it had none).
    private static final String RUNNING = "running";
    private static final String RECORD_RUNNING = "running (route, conversion, staging buffer)";
    private static final String WRITING = "writing to the warehouse";
    private static final String WAITING_FOR_DEBEZIUM = "waiting for Debezium's next records";
    private static final String WAITING_FOR_TRANSFORMS = "waiting for the transformations";
    private static final String WAITING_OTHER = "waiting, other";
    private static final String METRICS = "running, of which per-event metrics";
    private static final String QUEUE_FULL = "blocked: queue full";
    private static final String READING = "reading the replication stream";
    private static final String IDLE = "idle";

    /** Each group's states, in the order reported. */
    private static final Map<String, List<String>> STATES = Map.of(
            RECORD, List.of(RECORD_RUNNING, WRITING, WAITING_FOR_DEBEZIUM, WAITING_FOR_TRANSFORMS, WAITING_OTHER),
            DEBEZIUM, List.of(RUNNING, METRICS, QUEUE_FULL, READING, WAITING_OTHER),
            TRANSFORMS, List.of(RUNNING, IDLE));
}
