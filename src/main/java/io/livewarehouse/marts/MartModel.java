package io.livewarehouse.marts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mart model: a SQL file whose header states its grain, key and inputs ({@code -- grain: ...},
 * {@code -- key: ...}, {@code -- inputs: a, b}). Its statements may use {@code :loaded_from} and
 * {@code :loaded_through}, the staging load-time window of this run, which the runner binds, and
 * {@code {{ macro(args) }}} calls that the warehouse dialect expands (see {@link Macros}).
 *
 * <p>A model with {@code -- materialized: scd2} is a slowly changing dimension: its file holds one SELECT of
 * the entities that may have changed in the window (natural id, {@code changed_at}, {@code is_deleted}, then
 * the attributes), and {@link SlowlyChangingDimension} keeps the versions. It names its {@code natural_id}
 * and {@code surrogate_key}, and may list {@code untracked} attributes that follow the current version in
 * place instead of opening a new one.
 */
record MartModel(String name, String grain, String key, List<String> inputs, Map<String, String> settings,
                 List<String> statements) {

    private static final Pattern HEADER = Pattern.compile(
            "^--\\s*(grain|key|inputs|materialized|natural_id|surrogate_key|untracked):\\s*(.+)$", Pattern.MULTILINE);

    static MartModel parse(String name, String sql) {
        Map<String, String> header = new LinkedHashMap<>();
        Matcher line = HEADER.matcher(sql);
        while (line.find()) {
            header.putIfAbsent(line.group(1), line.group(2).trim());
        }
        if (!header.containsKey("grain") || !header.containsKey("key")) {
            throw new IllegalArgumentException("model " + name + " needs '-- grain:' and '-- key:' header lines");
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.split(";\\s*(\\n|$)")) {
            String code = statement.lines().filter(text -> !text.stripLeading().startsWith("--"))
                    .reduce("", (a, b) -> a + b + "\n").strip();
            if (!code.isEmpty()) {
                statements.add(code);
            }
        }
        MartModel model = new MartModel(name, header.remove("grain"), header.remove("key"),
                list(header.remove("inputs")), Map.copyOf(header), List.copyOf(statements));
        if (model.isSlowlyChanging() && (statements.size() != 1 || model.setting("natural_id") == null
                || model.setting("surrogate_key") == null)) {
            throw new IllegalArgumentException("model " + name + " (materialized: scd2) needs '-- natural_id:', "
                    + "'-- surrogate_key:' and exactly one SELECT statement");
        }
        return model;
    }

    boolean isSlowlyChanging() {
        return "scd2".equals(settings.get("materialized"));
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
