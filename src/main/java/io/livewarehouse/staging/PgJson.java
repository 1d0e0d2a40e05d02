package io.livewarehouse.staging;

import java.util.Map;

/**
 * JSON text exactly as PostgreSQL's {@code to_json} writes it (escape_json: control characters as lowercase
 * {@code \\u} and four lowercase hex digits, nothing else escaped, no spaces), so that what the stream builds in Java and what the
 * snapshot copy builds in the source's SQL are the same text.
 */
public final class PgJson {

    private PgJson() {
    }

    /** A JSON string literal. */
    public static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < ' ') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    public static String string(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        string(out, value);
        return out.toString();
    }

    /** A JSON object of string values in the map's order, or null for an empty map. */
    public static String object(Map<String, String> entries) {
        if (entries == null || entries.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder().append('{');
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            string(out, entry.getKey());
            out.append(':');
            string(out, entry.getValue());
        }
        return out.append('}').toString();
    }
}
