package io.livewarehouse.capture;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the table settings say: {@code pipeline.source.tables} entries and {@code pipeline.source.key-columns}. */
final class TableSettings {

    private TableSettings() {
    }

    /** A configured {@code schema.table} as its two names. */
    static String[] schemaAndTable(String qualified) {
        String trimmed = qualified.trim();
        int dot = trimmed.indexOf('.');
        if (dot < 0) {
            return new String[]{"public", trimmed};
        }
        return new String[]{trimmed.substring(0, dot), trimmed.substring(dot + 1)};
    }

    /** {@code public.log=id,at;public.events=event_id} as table to key columns. */
    static Map<String, List<String>> keyColumns(String setting) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String entry : setting.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int equals = entry.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("pipeline.source.key-columns: '" + entry.trim()
                        + "' must be schema.table=column[,column...] (entries separated by ';')");
            }
            String[] table = schemaAndTable(entry.substring(0, equals));
            List<String> columns = Arrays.stream(entry.substring(equals + 1).split(",")).map(String::trim)
                    .filter(column -> !column.isEmpty()).toList();
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("pipeline.source.key-columns: no columns for " + entry.trim());
            }
            keys.put(table[0] + "." + table[1], columns);
        }
        return keys;
    }
}
