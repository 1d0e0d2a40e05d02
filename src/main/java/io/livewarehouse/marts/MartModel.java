package io.livewarehouse.marts;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mart model: a SQL file whose header states its grain, key and inputs ({@code -- grain: ...},
 * {@code -- key: ...}, {@code -- inputs: a, b}). Its statements may use {@code :loaded_from} and
 * {@code :loaded_through}, the staging load-time window of this run, which the runner binds.
 */
record MartModel(String name, String grain, String key, List<String> inputs, List<String> statements) {

    private static final Pattern HEADER = Pattern.compile("^--\\s*(grain|key|inputs):\\s*(.+)$", Pattern.MULTILINE);

    static MartModel parse(String name, String sql) {
        String grain = null;
        String key = null;
        List<String> inputs = new ArrayList<>();
        Matcher header = HEADER.matcher(sql);
        while (header.find()) {
            switch (header.group(1)) {
                case "grain" -> grain = header.group(2).trim();
                case "key" -> key = header.group(2).trim();
                default -> {
                    for (String input : header.group(2).split(",")) {
                        inputs.add(input.trim());
                    }
                }
            }
        }
        if (grain == null || key == null) {
            throw new IllegalArgumentException("model " + name + " needs '-- grain:' and '-- key:' header lines");
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.split(";\\s*(\\n|$)")) {
            String code = statement.lines().filter(line -> !line.stripLeading().startsWith("--"))
                    .reduce("", (a, b) -> a + b + "\n").strip();
            if (!code.isEmpty()) {
                statements.add(code);
            }
        }
        return new MartModel(name, grain, key, List.copyOf(inputs), List.copyOf(statements));
    }
}
