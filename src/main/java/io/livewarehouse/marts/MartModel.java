package io.livewarehouse.marts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mart model: a SQL file whose header states its grain and key ({@code -- grain: ...}, {@code -- key: ...}).
 * Its inputs are what its SQL reads, found in it: {@code marts.<model>} is another model (or a current-state
 * table {@code cur_<table>}), {@code staging.<table>} a staging change log, which the model then reads as
 * {@code cur_<table>} is read; a header {@code -- inputs: a, b} is optional and, when there, must name
 * all of those, and may add one the SQL does not show (to run after it). Its statements may use {@code :loaded_from} and {@code :loaded_through}, the staging load-time
 * window of this run, which the runner binds, and {@code {{ macro(args) }}} calls that the warehouse dialect
 * expands (see {@link Macros}).
 *
 * <p>A model with {@code -- materialized: incremental} is its SELECT of the rows that may have changed in the
 * window (with an {@code is_deleted} column for rows that are gone), and {@link IncrementalMerge} merges it
 * into the table on its key. A model with {@code -- materialized: scd2} is a slowly changing dimension: its
 * file holds one SELECT of the entities that may have changed in the window (natural id,
 * {@code changed_at}, {@code is_deleted}, then the attributes), and {@link SlowlyChangingDimension} keeps the
 * versions. It names its {@code natural_id} and {@code surrogate_key}, and may list {@code untracked}
 * attributes that follow the current version in place instead of opening a new one. Any other model is its
 * statements, run in order.
 */
record MartModel(String name, String grain, String key, List<String> inputs, Map<String, String> settings,
                 List<String> statements) {

    private static final Pattern HEADER = Pattern.compile(
            "^--\\s*(grain|key|inputs|materialized|natural_id|surrogate_key|untracked|deleted):\\s*(.+)$",
            Pattern.MULTILINE);
    /** A table the SQL reads: a logical schema (as the dialect qualifies it) and a name, maybe quoted. */
    private static final Pattern READS = Pattern.compile(
            "(?<![\\w.\"$])(marts|staging)\\.(\"?)([A-Za-z_][A-Za-z0-9_$]*)\\2", Pattern.CASE_INSENSITIVE);
    private static final Pattern NOT_CODE = Pattern.compile("'(?:[^']|'')*'|--[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);
    private static final Set<String> MATERIALIZATIONS = Set.of("incremental", "scd2");

    static MartModel parse(String name, String sql, UnaryOperator<String> qualify) {
        Map<String, String> header = new LinkedHashMap<>();
        Matcher line = HEADER.matcher(sql);
        while (line.find()) {
            header.putIfAbsent(line.group(1), line.group(2).trim());
        }
        if (!header.containsKey("grain") || !header.containsKey("key")) {
            throw new IllegalArgumentException("model " + name + " needs '-- grain:' and '-- key:' header lines");
        }
        List<String> code = new ArrayList<>();
        for (String statement : sql.split(";\\s*(\\n|$)")) {
            String text = statement.lines().filter(lineText -> !lineText.stripLeading().startsWith("--"))
                    .reduce("", (a, b) -> a + b + "\n").strip();
            if (!text.isEmpty()) {
                code.add(text);
            }
        }
        List<String> inputs = reads(name, code);
        String declared = header.remove("inputs");
        if (declared != null) {
            // A header may add an input the SQL does not show (to run after it), never leave one out.
            List<String> missing = inputs.stream().filter(input -> !list(declared).contains(input)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("model " + name + " declares '-- inputs: " + declared
                        + "' but its SQL also reads " + missing);
            }
            Set<String> all = new LinkedHashSet<>(inputs);
            all.addAll(list(declared));
            inputs = List.copyOf(all);
        }
        String materialized = header.get("materialized");
        if (materialized != null && !MATERIALIZATIONS.contains(materialized)) {
            throw new IllegalArgumentException("model " + name + ": unknown '-- materialized: " + materialized
                    + "' (incremental or scd2)");
        }
        MartModel model = new MartModel(name, header.remove("grain"), header.remove("key"), inputs,
                Map.copyOf(header), code.stream().map(qualify).toList());
        if ((model.isSlowlyChanging() || model.isIncremental()) && code.size() != 1) {
            throw new IllegalArgumentException("model " + name + " (materialized: " + materialized
                    + ") is exactly one SELECT statement");
        }
        if (model.isSlowlyChanging() && (model.setting("natural_id") == null || model.setting("surrogate_key") == null)) {
            throw new IllegalArgumentException("model " + name + " (materialized: scd2) needs '-- natural_id:' and "
                    + "'-- surrogate_key:'");
        }
        String deleted = model.setting("deleted");
        if (deleted != null && !Set.of("remove", "keep").contains(deleted)) {
            throw new IllegalArgumentException("model " + name + ": '-- deleted: " + deleted + "' is remove or keep");
        }
        return model;
    }

    /** The models and current-state tables the statements read, in the order first read, without the model. */
    static List<String> reads(String name, List<String> statements) {
        Set<String> inputs = new LinkedHashSet<>();
        for (String statement : statements) {
            // What is not code names nothing: string literals, comments at a line's end, block comments.
            String code = NOT_CODE.matcher(statement).replaceAll(" ");
            Matcher read = READS.matcher(code);
            while (read.find()) {
                String table = read.group(2).isEmpty() ? read.group(3).toLowerCase(Locale.ROOT) : read.group(3);
                inputs.add("staging".equalsIgnoreCase(read.group(1)) ? CurrentState.PREFIX + table : table);
            }
        }
        inputs.remove(name);
        return List.copyOf(inputs);
    }

    boolean isSlowlyChanging() {
        return "scd2".equals(settings.get("materialized"));
    }

    boolean isIncremental() {
        return "incremental".equals(settings.get("materialized"));
    }

    /** The key columns, as the header's {@code -- key:} lists them (the first word of each item). */
    List<String> keyColumns() {
        return list(key).stream().map(item -> item.split("\\s+")[0]).toList();
    }

    /** Whether a row the SELECT marks {@code is_deleted} leaves the table (the default) or stays, marked. */
    boolean keepsDeleted() {
        return "keep".equals(settings.get("deleted"));
    }

    String setting(String name) {
        return settings.get(name);
    }

    List<String> untracked() {
        return list(settings.get("untracked"));
    }

    private static List<String> list(String commaSeparated) {
        List<String> items = new ArrayList<>();
        if (commaSeparated != null) {
            for (String item : commaSeparated.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return List.copyOf(items);
    }
}
