package io.livewarehouse.capture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Composite values as PostgreSQL prints them: ranges and multiranges (range_out), arrays as JSON (what
 * {@code to_json} makes of them), JSON string literals (escape_json) and hstore (hstore_out). The scalar
 * output functions these build on are in {@link PostgresText}; the same reasons apply: a streamed value must
 * land as the same text the snapshot by COPY staged.
 */
public final class PostgresCompositeText {

    private static final Pattern JSON_NUMBER = Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
    /**
     * A UTF-16 surrogate escape without its partner: PostgreSQL's {@code json} type keeps such text, but it is
     * not JSON any warehouse parses ({@code jsonb} refuses it at the source).
     */
    static final Pattern LONE_SURROGATE = Pattern.compile(
            "\\\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                    + "|(?<!\\\\u[dD][89abAB][0-9a-fA-F]{2})\\\\u[dD][c-fC-F][0-9a-fA-F]{2}");
    /** The same test in PostgreSQL's regular expressions, for the snapshot copy (no (?i) there). */
    static final String LONE_SURROGATE_SQL =
            "\\\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                    + "|(?<!\\\\u[dD][89abAB][0-9a-fA-F]{2})\\\\u[dD][c-fC-F][0-9a-fA-F]{2}";

    private PostgresCompositeText() {
    }

    // --- ranges ----------------------------------------------------------------------------------------

    /**
     * A range or multirange as PostgreSQL prints it ({@code [1,5)}, {@code {[1,3),[5,7)}}, {@code empty}), each
     * bound passed through {@code bound} (e.g. a tstzrange's timestamps to UTC) and quoted again as range_out
     * quotes.
     */
    public static String range(String text, UnaryOperator<String> bound) {
        String value = text.trim();
        if (value.startsWith("{")) {
            List<String> ranges = new ArrayList<>();
            int depth = 0;
            boolean quoted = false;
            int start = 1;
            for (int i = 1; i < value.length() - 1; i++) {
                char c = value.charAt(i);
                if (quoted) {
                    if (c == '\\') {
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == '[' || c == '(') {
                    depth++;
                } else if (c == ']' || c == ')') {
                    depth--;
                } else if (c == ',' && depth == 0) {
                    ranges.add(value.substring(start, i).trim());
                    start = i + 1;
                }
            }
            String last = value.substring(start, value.length() - 1).trim();
            if (!last.isEmpty()) {
                ranges.add(last);
            }
            List<String> out = new ArrayList<>();
            for (String range : ranges) {
                out.add(range(range, bound));
            }
            return "{" + String.join(",", out) + "}";
        }
        if (value.equals("empty")) {
            return value;
        }
        char open = value.charAt(0);
        char close = value.charAt(value.length() - 1);
        List<String> bounds = new ArrayList<>(2);
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    current.append(value.charAt(++i));
                } else if (c == '"') {
                    if (i + 1 < value.length() - 1 && value.charAt(i + 1) == '"') {
                        current.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    current.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                bounds.add(current.length() == 0 && !wasQuoted ? null : current.toString());
                current.setLength(0);
                wasQuoted = false;
            } else if (c == '\\') {
                current.append(value.charAt(++i));
            } else {
                current.append(c);
            }
        }
        bounds.add(current.length() == 0 && !wasQuoted ? null : current.toString());
        StringBuilder out = new StringBuilder().append(open);
        for (int i = 0; i < bounds.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            if (bounds.get(i) != null) {
                out.append(rangeBound(bound.apply(bounds.get(i))));
            }
        }
        return out.append(close).toString();
    }

    /** range_bound_escape: quoted when empty or holding quotes, backslashes, brackets, commas or spaces. */
    private static String rangeBound(String value) {
        boolean quote = value.isEmpty();
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || Character.isWhitespace(c);
        }
        if (!quote) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append(c);
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    // --- arrays ----------------------------------------------------------------------------------------

    /** How the elements of an array become JSON. */
    public enum ElementKind {
        /** int2, int4, int8, float4, float8, numeric: JSON numbers (NaN and Infinity as strings, as to_json). */
        NUMBER,
        /** bool: true, false. */
        BOOLEAN,
        /** Everything else: the element's text as a JSON string. */
        TEXT
    }

    /**
     * An array as PostgreSQL prints it ({@code {1,NULL,3}}, {@code [0:1]={"a b",c}}, nested braces) as the JSON
     * {@code to_json} gives for it: nested lists, NULL as null, elements by {@code kind}; text elements pass
     * through {@code element} first (a timestamptz's to UTC, say). {@code delimiter} is ',' for every type but box.
     */
    public static String arrayToJson(String text, ElementKind kind, char delimiter, UnaryOperator<String> element) {
        String value = text.trim();
        if (value.startsWith("[")) {
            value = value.substring(value.indexOf('=') + 1).trim();
        }
        StringBuilder out = new StringBuilder(value.length() + 8);
        int end = arrayToJson(value, 0, kind, delimiter, element, out);
        if (end != value.length()) {
            throw new IllegalArgumentException("not an array: " + text);
        }
        return out.toString();
    }

    private static int arrayToJson(String text, int start, ElementKind kind, char delimiter,
                                   UnaryOperator<String> element, StringBuilder out) {
        if (text.charAt(start) != '{') {
            throw new IllegalArgumentException("not an array at " + start + ": " + text);
        }
        out.append('[');
        int i = start + 1;
        boolean first = true;
        if (text.charAt(i) == '}') {
            out.append(']');
            return i + 1;
        }
        while (true) {
            if (!first) {
                out.append(',');
            }
            first = false;
            char c = text.charAt(i);
            if (c == '{') {
                i = arrayToJson(text, i, kind, delimiter, element, out);
            } else if (c == '"') {
                StringBuilder item = new StringBuilder();
                i++;
                while (text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                    item.append(text.charAt(i++));
                }
                i++;
                element(out, item.toString(), kind, element);
            } else {
                int itemEnd = i;
                while (text.charAt(itemEnd) != delimiter && text.charAt(itemEnd) != '}') {
                    itemEnd++;
                }
                // array_out writes no blanks around elements, and a control character can be data.
                String item = text.substring(i, itemEnd);
                if (item.equalsIgnoreCase("NULL")) {
                    out.append("null");
                } else {
                    element(out, item, kind, element);
                }
                i = itemEnd;
            }
            char next = text.charAt(i);
            if (next == '}') {
                out.append(']');
                return i + 1;
            }
            if (next != delimiter) {
                throw new IllegalArgumentException("unexpected '" + next + "' in array " + text);
            }
            i++;
        }
    }

    private static void element(StringBuilder out, String item, ElementKind kind, UnaryOperator<String> element) {
        switch (kind) {
            case NUMBER -> {
                if (JSON_NUMBER.matcher(item).matches()) {
                    out.append(item);
                } else {
                    jsonString(out, item);
                }
            }
            case BOOLEAN -> out.append("t".equals(item) || "true".equals(item) ? "true" : "false");
            default -> jsonString(out, element.apply(item));
        }
    }

    // --- JSON and hstore -------------------------------------------------------------------------------

    /** escape_json: a JSON string literal as PostgreSQL writes it. */
    public static String jsonString(String value) {
        return io.livewarehouse.staging.PgJson.string(value);
    }

    static void jsonString(StringBuilder out, String value) {
        io.livewarehouse.staging.PgJson.string(out, value);
    }

    /** Whether PostgreSQL {@code json} text holds a surrogate escape no warehouse's JSON parser takes. */
    static boolean hasLoneSurrogate(String json) {
        return json.contains("\\u") && LONE_SURROGATE.matcher(json).find();
    }

    /** hstore_out of a map (the JDBC driver's reading of an hstore): keys in hstore's order, by length then bytes. */
    public static String hstore(Map<?, ?> map) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        entries.sort((a, b) -> {
            byte[] left = String.valueOf(a.getKey()).getBytes(StandardCharsets.UTF_8);
            byte[] right = String.valueOf(b.getKey()).getBytes(StandardCharsets.UTF_8);
            return left.length != right.length ? Integer.compare(left.length, right.length)
                    : java.util.Arrays.compareUnsigned(left, right);
        });
        StringBuilder out = new StringBuilder();
        for (Map.Entry<?, ?> entry : entries) {
            if (out.length() > 0) {
                out.append(", ");
            }
            hstoreQuoted(out, String.valueOf(entry.getKey()));
            out.append("=>");
            if (entry.getValue() == null) {
                out.append("NULL");
            } else {
                hstoreQuoted(out, String.valueOf(entry.getValue()));
            }
        }
        return out.toString();
    }

    private static void hstoreQuoted(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }
}
