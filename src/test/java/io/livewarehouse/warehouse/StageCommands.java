package io.livewarehouse.warehouse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snowflake's PUT and COPY INTO &lt;table&gt; as the pipeline writes them, parsed and checked against the
 * grammar and the option names of Snowflake's reference (JSqlParser parses neither). The emulator runs what
 * this parses; {@code SnowflakeStatementsTest} checks the pipeline's statements with it.
 */
public final class StageCommands {

    /** PUT file://path @stage [option = value ...]. */
    public record Put(String path, String stage, Map<String, String> options) {
        public boolean autoCompress() {
            return !"false".equals(options.getOrDefault("auto_compress", "true"));
        }

        public boolean overwrite() {
            return "true".equals(options.getOrDefault("overwrite", "false"));
        }
    }

    /**
     * COPY INTO table [(columns)] FROM { @stage | (SELECT expressions FROM @stage) } FILES = (...)
     * FILE_FORMAT = (...) [copy option = value ...]; {@code columns} and {@code select} null when not given.
     */
    public record Copy(String table, String columns, String select, String stage, List<String> files,
                       Map<String, String> format, Map<String, String> options) {
        public boolean purge() {
            return "true".equals(options.getOrDefault("purge", "false"));
        }
    }

    /** PUT's options (docs: PUT, optional parameters). */
    private static final Set<String> PUT_OPTIONS = Set.of("parallel", "auto_compress", "source_compression", "overwrite");
    /** CSV format type options of COPY INTO <table> (docs: Format type options, TYPE = CSV). */
    private static final Set<String> CSV_OPTIONS = Set.of("type", "compression", "record_delimiter", "field_delimiter",
            "multi_line", "parse_header", "skip_header", "skip_blank_lines", "date_format", "time_format",
            "timestamp_format", "binary_format", "escape", "escape_unenclosed_field", "trim_space",
            "field_optionally_enclosed_by", "null_if", "error_on_column_count_mismatch", "replace_invalid_characters",
            "empty_field_as_null", "skip_byte_order_mark", "encoding");
    /** Copy options (docs: COPY INTO <table>, copy options). */
    private static final Set<String> COPY_OPTIONS = Set.of("on_error", "size_limit", "purge", "return_failed_only",
            "match_by_column_name", "include_metadata", "enforce_length", "truncatecolumns", "force", "load_uncertain_files",
            "file_processor", "load_mode");

    private static final Pattern PUT = Pattern.compile(
            "(?is)\\s*put\\s+(?:'file://([^']+)'|file://(\\S+))\\s+(@\\S+)((?:\\s+\\w+\\s*=\\s*\\w+)*)\\s*;?\\s*");
    private static final Pattern COPY = Pattern.compile(
            "(?is)\\s*copy\\s+into\\s+([^\\s(]+)(?:\\s*\\(([^)]*)\\))?\\s+from\\s+(?:(@\\S+)|\\(\\s*select\\s+(.+?)\\s+from\\s+(@[^\\s)]+)\\s*\\))\\s+files\\s*=\\s*\\(([^)]*)\\)\\s+file_format\\s*=\\s*"
                    + "\\(((?:[^()']|'(?:[^']|'')*'|\\(\\s*\\))*)\\)((?:\\s+\\w+\\s*=\\s*\\w+)*)\\s*;?\\s*");
    private static final Pattern OPTION = Pattern.compile("(?is)(\\w+)\\s*=\\s*('(?:[^']|'')*'|\\(\\s*\\)|\\w+)");
    private static final Pattern QUOTED = Pattern.compile("'((?:[^']|'')*)'");

    private StageCommands() {
    }

    public static boolean isPut(String sql) {
        return EmulatedSql.verb(sql).equals("put");
    }

    public static boolean isCopy(String sql) {
        return EmulatedSql.withoutComments(sql).stripLeading().toLowerCase(Locale.ROOT).matches("(?s)copy\\s+into\\b.*");
    }

    public static Put put(String sql) {
        Matcher put = PUT.matcher(EmulatedSql.withoutComments(sql));
        if (!put.matches()) {
            throw new IllegalArgumentException("not a PUT statement Snowflake takes: " + sql);
        }
        return new Put(put.group(1) != null ? put.group(1) : put.group(2), put.group(3),
                options(put.group(4), PUT_OPTIONS, "PUT"));
    }

    public static Copy copy(String sql) {
        Matcher copy = COPY.matcher(EmulatedSql.withoutComments(sql));
        if (!copy.matches()) {
            throw new IllegalArgumentException("not a COPY INTO statement of the form the pipeline writes: " + sql);
        }
        List<String> files = new ArrayList<>();
        Matcher file = QUOTED.matcher(copy.group(6));
        while (file.find()) {
            files.add(file.group(1).replace("''", "'"));
        }
        if (files.isEmpty() || !copy.group(6).replaceAll(QUOTED.pattern(), "").replaceAll("[\\s,]", "").isEmpty()) {
            throw new IllegalArgumentException("FILES must be a list of quoted names: " + copy.group(6));
        }
        Map<String, String> format = options(copy.group(7), CSV_OPTIONS, "FILE_FORMAT");
        if (!"csv".equals(format.get("type"))) {
            throw new IllegalArgumentException("the emulator loads TYPE = CSV only: " + copy.group(7));
        }
        String select = copy.group(4);
        if (select != null && copy.group(5).matches("@[^~/]*%.*")) {
            // Snowflake: "data loading transformations only support user stages and named stages".
            throw new IllegalArgumentException("a table stage takes no select in COPY INTO: " + copy.group(5));
        }
        if (copy.group(2) != null && select == null) {
            throw new IllegalArgumentException("a column list in COPY INTO goes with a select of the file's columns");
        }
        return new Copy(copy.group(1), copy.group(2), select, select == null ? copy.group(3) : copy.group(5), files,
                format, options(copy.group(8), COPY_OPTIONS, "COPY"));
    }

    /** {@code name = value} pairs, names lower case, quoted values unquoted, () as the empty list. */
    private static Map<String, String> options(String text, Set<String> known, String where) {
        Map<String, String> options = new LinkedHashMap<>();
        Matcher option = OPTION.matcher(text);
        int end = 0;
        while (option.find()) {
            if (!text.substring(end, option.start()).isBlank()) {
                throw new IllegalArgumentException(where + ": cannot read '" + text.substring(end, option.start()) + "'");
            }
            String name = option.group(1).toLowerCase(Locale.ROOT);
            if (!known.contains(name)) {
                throw new IllegalArgumentException(where + " has no option " + name);
            }
            String value = option.group(2);
            value = value.startsWith("'") ? value.substring(1, value.length() - 1).replace("''", "'")
                    : value.startsWith("(") ? "()" : value.toLowerCase(Locale.ROOT);
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException(where + " sets " + name + " twice");
            }
            end = option.end();
        }
        if (!text.substring(end).isBlank()) {
            throw new IllegalArgumentException(where + ": cannot read '" + text.substring(end) + "'");
        }
        return options;
    }
}
