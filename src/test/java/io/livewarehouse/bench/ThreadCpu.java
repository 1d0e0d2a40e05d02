package io.livewarehouse.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a process's CPU goes, by thread group, from Linux's per-thread counters (/proc/PID/task/TID/stat,
 * user plus system time), and the walsenders' of PostgreSQL beside it (every walsender on the host: the
 * benchmark's source is the only PostgreSQL it runs): what JFR's Java samples miss (the JIT compilers, the
 * collector, native code such as DuckDB's). Two snapshots, taken at the ends of a window, give each group's
 * share of one core over it, thread by thread, so a thread that ended between them takes nothing away.
 * Empty off Linux.
 */
final class ThreadCpu {

    /** The groups, in report order; a thread belongs to the first whose test its name (comm) passes. */
    static final String[] GROUPS = {"Debezium's threads",
            "engine record-processing threads (in the pipeline: the route, conversion, staging)",
            "JIT compilers", "garbage collector and VM", "other threads", "PostgreSQL walsenders"};
    private static final int WALSENDERS = GROUPS.length - 1;
    /** Linux's clock ticks per second for the stat counters (USER_HZ, 100 on every common kernel). */
    private static final double TICKS = 100.0;

    private final long nanos = System.nanoTime();
    /** Per thread ("t" + tid) or walsender process ("p" + pid): its group and its ticks so far. */
    private final Map<String, long[]> counters = new HashMap<>();

    private ThreadCpu() {
    }

    /** The counters now for {@code pid}'s threads, and every walsender's; empty where /proc cannot be read. */
    static ThreadCpu of(long pid) {
        ThreadCpu snapshot = new ThreadCpu();
        try {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks) {
                    String[] stat = stat(task.resolve("stat"));
                    if (stat != null) {
                        snapshot.counters.put("t" + task.getFileName(), new long[] {group(stat[0]), ticks(stat)});
                    }
                }
            }
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path process : processes) {
                    String command;
                    try {
                        command = Files.readString(process.resolve("cmdline")).replace('\0', ' ');
                    } catch (IOException gone) {
                        continue;
                    }
                    String[] stat = command.contains("walsender") ? stat(process.resolve("stat")) : null;
                    if (stat != null) {
                        snapshot.counters.put("p" + process.getFileName(), new long[] {WALSENDERS, ticks(stat)});
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            snapshot.counters.clear();
        }
        return snapshot;
    }

    /** Each group's CPU between {@code earlier} and this snapshot, in percent of one core; empty if either is. */
    Map<String, Double> since(ThreadCpu earlier) {
        Map<String, Double> shares = new LinkedHashMap<>();
        if (counters.isEmpty() || earlier.counters.isEmpty()) {
            return shares;
        }
        long[] ticks = new long[GROUPS.length];
        counters.forEach((id, now) -> {
            long[] before = earlier.counters.get(id);
            ticks[(int) now[0]] += now[1] - (before == null ? 0 : before[1]);
        });
        double seconds = Math.max(1e-9, (nanos - earlier.nanos) / 1e9);
        for (int group = 0; group < GROUPS.length; group++) {
            shares.put(GROUPS[group], 100.0 * ticks[group] / TICKS / seconds);
        }
        return shares;
    }

    private static long ticks(String[] stat) {
        return Long.parseLong(stat[1]) + Long.parseLong(stat[2]);
    }

    /** The name, utime and stime of a stat file (the name is in parentheses and may hold spaces); null if gone. */
    private static String[] stat(Path file) {
        String line;
        try {
            line = Files.readString(file);
        } catch (IOException gone) {
            return null;
        }
        String name = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
        // After the name: state is field 3 of proc(5)'s stat, utime 14 and stime 15, so 11 and 12 from here.
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return new String[] {name, fields[11], fields[12]};
    }

    /** Linux keeps the first 15 characters of a Java thread's name ("pool-12-thread-" for pool-12-thread-1). */
    private static int group(String name) {
        if (name.startsWith("debezium-")) {
            return 0;
        }
        if (name.matches("pool-\\d+-thread.*")) {
            return 1; // the async engine's record-processing threads: the pipeline's Camel route runs on them
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return 2;
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return 3;
        }
        return 4;
    }
}
