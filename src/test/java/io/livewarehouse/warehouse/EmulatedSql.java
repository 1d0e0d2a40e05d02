package io.livewarehouse.warehouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the emulator does to run Snowflake SQL on DuckDB and to answer in Snowflake's encodings: the rewrites
 * of type names and of the few constructs DuckDB spells differently, DuckDB macros named like the Snowflake
 * functions the pipeline calls, a catalog that answers as Snowflake's INFORMATION_SCHEMA does (folded names,
 * Snowflake type names), and the values of a result set as the driver decodes them.
 *
 * <p>Only what the pipeline sends is covered. A function missing here fails the statement with DuckDB's
 * message, which is how a new Snowflake construct in the pipeline shows up in the tests.
 */
final class EmulatedSql {

    private static final HexFormat HEX = HexFormat.of();

    /** Snowflake functions as DuckDB macros (DuckDB lets a macro shadow a built-in of the same name). */
    private static final List<String> MACROS = List.of(
            "create or replace macro iff(condition, yes, no) as case when condition then yes else no end",
            "create or replace macro boolor_agg(value) as bool_or(value)",
            // MAX_BY returns the value at the maximum even when it is NULL; DuckDB's max_by skips NULL values.
            "create or replace macro max_by(value, ordering) as arg_max_null(value, ordering)",
            "create or replace macro parse_json(text) as json(text)",
            // Snowflake: ARRAY_CONTAINS(value, array).
            "create or replace macro array_contains(value, list) as json_contains(list, value)",
            "create or replace macro to_varchar(value) as cast(value as varchar)",
            "create or replace macro to_binary(text, encoding) as unhex(text)",
            "create or replace macro sha2(text, bits) as sha256(text)",
            "create or replace macro to_char(value, pattern) as strftime(value, replace(replace(replace(replace(replace("
                    + "replace(replace(replace(pattern, 'YYYY', '%Y'), 'MMMM', '%B'), 'MM', '%m'), 'DD', '%d'), "
                    + "'HH24', '%H'), 'MI', '%M'), 'SS', '%S'), 'FF6', '%f'))",
            "create or replace macro dayofweekiso(day) as isodow(day)",
            "create or replace macro weekiso(day) as week(day)",
            "create or replace macro seq4() as 0",
            "create or replace macro dateadd(part, amount, day) as case when part = 'day' "
                    + "then cast(day + to_days(cast(amount as integer)) as date) "
                    + "else error('the emulator adds only days, not ' || part) end",
            // Snowflake's INFORMATION_SCHEMA: unquoted (plain lower case) names folded, Snowflake's type names.
            "create or replace view main.sf_tables as select " + folded("table_schema") + " as table_schema, "
                    + folded("table_name") + " as table_name, table_type from information_schema.tables",
            "create or replace view main.sf_columns as select " + folded("table_schema") + " as table_schema, "
                    + folded("table_name") + " as table_name, " + folded("column_name") + " as column_name, "
                    + "ordinal_position, case when data_type like 'DECIMAL%' or data_type in ('TINYINT', 'SMALLINT', "
                    + "'INTEGER', 'BIGINT', 'HUGEINT') then 'NUMBER' when data_type = 'DOUBLE' then 'FLOAT' "
                    + "when data_type = 'VARCHAR' then 'TEXT' when data_type = 'TIMESTAMP' then 'TIMESTAMP_NTZ' "
                    + "when data_type = 'TIMESTAMP WITH TIME ZONE' then 'TIMESTAMP_TZ' when data_type = 'BLOB' then 'BINARY' "
                    + "when data_type = 'JSON' then 'VARIANT' else data_type end as data_type, "
                    // Snowflake's INTEGER (a cast's "as integer" too) is NUMBER(38,0).
                    + "case when data_type like 'DECIMAL%' then numeric_precision when data_type like '%INT' "
                    + "or data_type = 'INTEGER' then 38 end as numeric_precision, case when data_type like 'DECIMAL%' "
                    + "then numeric_scale when data_type like '%INT' or data_type = 'INTEGER' then 0 end as numeric_scale "
                    + "from information_schema.columns");

    private static final Pattern DATE_PART = Pattern.compile("(?i)\\b(dateadd|datediff)\\(\\s*(day|month|year)\\s*,");
    private static final Pattern GENERATOR = Pattern.compile("(?i)table\\(\\s*generator\\(\\s*rowcount\\s*=>\\s*(\\d+)\\s*\\)\\s*\\)");
    private static final Pattern LISTAGG = Pattern.compile(
            "(?i)listagg\\(([^()]*?),\\s*('[^']*')\\)\\s*within\\s+group\\s*\\(\\s*order\\s+by\\s+([^()]*?)\\)");

    private EmulatedSql() {
    }

    static void install(Connection duckdb) throws SQLException {
        try (Statement statement = duckdb.createStatement()) {
            for (String macro : MACROS) {
                statement.execute(macro);
            }
        }
    }

    private static String folded(String column) {
        return "case when regexp_full_match(" + column + ", '[a-z_][a-z0-9_$]*') then upper(" + column + ") else "
                + column + " end";
    }

    /** Snowflake SQL as DuckDB runs it. */
    static String toDuckDb(String sql) {
        String rewritten = sql.replaceAll("(?i)\\bNUMBER\\((\\d+),\\s*(\\d+)\\)", "DECIMAL($1,$2)")
                .replaceAll("(?i)\\bTIMESTAMP_NTZ(\\(\\d+\\))?", "TIMESTAMP")
                .replaceAll("(?i)\\bTIMESTAMP_TZ(\\(\\d+\\))?", "TIMESTAMPTZ")
                .replaceAll("(?i)\\bTIME\\(\\d+\\)", "TIME")
                .replaceAll("(?i)\\bVARIANT\\b", "JSON")
                .replaceAll("(?i)\\bBINARY\\b", "BLOB")
                .replaceAll("(?i)\\bFLOAT\\b", "DOUBLE")
                .replaceAll("(?i)\\binformation_schema\\.columns\\b", "main.sf_columns")
                .replaceAll("(?i)\\binformation_schema\\.tables\\b", "main.sf_tables")
                .replaceAll("(?i)\\b(create\\s+(?:or\\s+replace\\s+)?)transient\\s+table\\b", "$1table")
                // LATERAL FLATTEN over an object's keys (count-invalid-values).
                .replaceAll("(?i)\\blateral\\s+flatten\\(\\s*input\\s*=>\\s*([\\w.\"]+)\\s*\\)\\s+as\\s+(\\w+)",
                        "lateral (select unnest(json_keys($1)) as key) as $2");
        rewritten = DATE_PART.matcher(rewritten).replaceAll("$1('$2',");
        rewritten = GENERATOR.matcher(rewritten).replaceAll("range($1)");
        rewritten = LISTAGG.matcher(rewritten).replaceAll("string_agg($1, $2 order by $3)");
        // Snowflake: FROM VALUES (...) names its columns column1, column2, ...; DuckDB needs them named.
        Matcher values = Pattern.compile("(?is)\\bfrom\\s+values\\s+(\\(.*\\))\\s*$").matcher(rewritten);
        if (values.find()) {
            int columns = firstTupleWidth(values.group(1));
            StringBuilder names = new StringBuilder();
            for (int i = 1; i <= columns; i++) {
                names.append(i > 1 ? ", " : "").append("column").append(i);
            }
            rewritten = rewritten.substring(0, values.start()) + "from (values " + values.group(1) + ") as v(" + names + ")";
        }
        return rewritten;
    }

    private static int firstTupleWidth(String tuples) {
        int end = tuples.indexOf(')');
        return (int) tuples.substring(0, end).chars().filter(c -> c == '?').count();
    }

    /** Snowflake's statement type ids (the driver's SFStatementType): what it allows executeUpdate and batches for. */
    static long statementType(String sql) {
        return switch (verb(sql)) {
            case "select", "with", "show", "describe" -> 4096;
            case "insert" -> 12544;
            case "update" -> 12800;
            case "delete" -> 13056;
            case "merge" -> 13312;
            case "commit", "rollback", "begin" -> 20480;
            case "alter" -> isAlterSession(sql) ? 16384 : 24576;
            default -> 24576;
        };
    }

    static String verb(String sql) {
        return withoutComments(sql).stripLeading().split("[\\s(;]+", 2)[0].toLowerCase(Locale.ROOT);
    }

    /** A comma-separated list split at its top level (not inside parentheses, quotes or double quotes), trimmed. */
    static java.util.List<String> topLevelList(String list) {
        java.util.List<String> items = new java.util.ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                items.add(list.substring(start, i).trim());
                start = i + 1;
            }
        }
        items.add(list.substring(start).trim());
        return items;
    }

    /** The statement without its comments (the driver's setAutoCommit puts one between ALTER SESSION and SET). */
    static String withoutComments(String sql) {
        return sql.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("(?m)--.*$", " ");
    }

    static boolean isAlterSession(String sql) {
        return withoutComments(sql).toLowerCase(Locale.ROOT).matches("(?s)\\s*alter\\s+session\\b.*");
    }

    /** DDL in Snowflake's sense: it commits the session's open transaction. */
    static boolean isDdl(String sql) {
        return switch (verb(sql)) {
            case "create", "drop", "alter", "truncate", "comment", "grant", "revoke", "undrop" -> !isAlterSession(sql);
            default -> false;
        };
    }

    /** A bound value as the driver encodes it (shared/SNOWFLAKE.md), as the Java value DuckDB takes. */
    static Object fromBinding(String type, JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText();
        return switch (type) {
            case "FIXED" -> new BigDecimal(text);
            case "REAL" -> Double.parseDouble(text);
            case "BOOLEAN" -> Boolean.parseBoolean(text);
            case "BINARY" -> HEX.parseHex(text);
            case "DATE" -> Instant.ofEpochMilli(Long.parseLong(text)).atOffset(ZoneOffset.UTC).toLocalDate();
            case "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIMESTAMP_NTZ" -> {
                BigDecimal nanos = new BigDecimal(text.split(" ")[0]);
                BigDecimal billion = BigDecimal.valueOf(1_000_000_000L);
                long seconds = nanos.divide(billion, RoundingMode.FLOOR).longValue();
                long rest = nanos.subtract(BigDecimal.valueOf(seconds).multiply(billion)).longValue();
                yield Instant.ofEpochSecond(seconds, rest).atOffset(ZoneOffset.UTC);
            }
            default -> text;
        };
    }

    /** A result set as Snowflake's JSON answer: rowtype (what the driver decodes by) and rowset (strings). */
    static void result(ResultSet rows, ObjectNode data) throws SQLException {
        ResultSetMetaData metadata = rows.getMetaData();
        int columns = metadata.getColumnCount();
        String[] kinds = new String[columns + 1];
        ArrayNode rowtype = data.putArray("rowtype");
        for (int i = 1; i <= columns; i++) {
            ObjectNode column = rowtype.addObject();
            String label = metadata.getColumnLabel(i);
            column.put("name", label.matches("[a-z_][a-z0-9_$]*") ? label.toUpperCase(Locale.ROOT) : label);
            column.put("nullable", true);
            String typeName = metadata.getColumnTypeName(i).toUpperCase(Locale.ROOT);
            kinds[i] = switch (metadata.getColumnType(i)) {
                case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> "fixed";
                case Types.DECIMAL, Types.NUMERIC -> "decimal";
                case Types.FLOAT, Types.REAL, Types.DOUBLE -> "real";
                case Types.BOOLEAN -> "boolean";
                case Types.DATE -> "date";
                case Types.TIME -> "time";
                case Types.TIMESTAMP -> "timestamp_ntz";
                case Types.TIMESTAMP_WITH_TIMEZONE -> "timestamp_tz";
                case Types.BLOB, Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> "binary";
                default -> typeName.startsWith("TIMESTAMP WITH TIME ZONE") ? "timestamp_tz"
                        : typeName.equals("HUGEINT") ? "fixed" : typeName.equals("JSON") ? "variant" : "text";
            };
            switch (kinds[i]) {
                case "fixed" -> column.put("type", "fixed").put("precision", 38).put("scale", 0);
                case "decimal" -> column.put("type", "fixed").put("precision", metadata.getPrecision(i))
                        .put("scale", metadata.getScale(i));
                case "time", "timestamp_ntz", "timestamp_tz" -> column.put("type", kinds[i]).put("precision", 0).put("scale", 9);
                case "binary" -> column.put("type", "binary").put("length", 8388608);
                case "text" -> column.put("type", "text").put("length", 16777216);
                default -> column.put("type", kinds[i]);
            }
        }
        ArrayNode rowset = data.putArray("rowset");
        long total = 0;
        while (rows.next()) {
            ArrayNode row = rowset.addArray();
            for (int i = 1; i <= columns; i++) {
                String value = value(rows, i, kinds[i]);
                if (value == null) {
                    row.addNull();
                } else {
                    row.add(value);
                }
            }
            total++;
        }
        data.put("total", total);
        data.put("returned", total);
    }

    /** One value in the driver's JSON encoding (shared/SNOWFLAKE.md, Query answers). */
    private static String value(ResultSet rows, int i, String kind) throws SQLException {
        if (rows.getObject(i) == null) {
            return null;
        }
        return switch (kind) {
            case "decimal" -> rows.getBigDecimal(i).toPlainString();
            case "boolean" -> Boolean.toString(rows.getBoolean(i));
            case "date" -> Long.toString(rows.getObject(i, LocalDate.class).toEpochDay());
            case "time" -> {
                long nanos = rows.getObject(i, LocalTime.class).toNanoOfDay();
                yield seconds(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
            }
            case "timestamp_ntz" -> {
                Instant wall = rows.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                yield seconds(wall.getEpochSecond(), wall.getNano());
            }
            case "timestamp_tz" -> {
                OffsetDateTime instant = rows.getObject(i, OffsetDateTime.class);
                Instant at = instant.toInstant();
                // The offset in minutes plus 1440; the session's time zone is UTC.
                yield seconds(at.getEpochSecond(), at.getNano()) + " " + (instant.getOffset().getTotalSeconds() / 60 + 1440);
            }
            case "binary" -> HEX.formatHex(rows.getBytes(i)).toUpperCase(Locale.ROOT);
            default -> rows.getString(i);
        };
    }

    /** Seconds and nanoseconds as Snowflake's {@code seconds.fraction}, nine digits (before 1970: negative). */
    private static String seconds(long seconds, long nanos) {
        return BigDecimal.valueOf(seconds).add(BigDecimal.valueOf(nanos, 9)).setScale(9, RoundingMode.UNNECESSARY).toPlainString();
    }
}
