package io.livewarehouse.warehouse;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A staging batch's rows of one table as the gzipped CSV file that {@code copy-staging-batch} loads: the file
 * format of the snapshot's files (every value enclosed in double quotes, doubled inside; NULL an empty field
 * without quotes, so an empty string stays one), each value in the text form Snowflake casts to the column's
 * type in the formats the COPY names (so no account's input format settings apply): dates
 * {@code YYYY-MM-DD}, times {@code HH24:MI:SS.FF6}, local timestamps and instants (in UTC, the session's
 * time zone) {@code YYYY-MM-DD HH24:MI:SS.FF6}, binary in hex ({@code BINARY_FORMAT = HEX}), JSON as its
 * text (parsed by {@code parse_json} in the COPY's select).
 */
final class SnowflakeBatchFile {

    private static final DateTimeFormatter TIMESTAMP = SnowflakeDialect.TIMESTAMP;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd");
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private SnowflakeBatchFile() {
    }

    /** Writes {@code rows} (values in column order) to {@code file}, gzipped. */
    static void write(Path file, List<Object[]> rows) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(
                new GZIPOutputStream(Files.newOutputStream(file), 1 << 16), StandardCharsets.UTF_8), 1 << 16)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        out.write(',');
                    }
                    String text = text(row[i]);
                    if (text != null) {
                        out.write('"');
                        out.write(text.indexOf('"') < 0 ? text : text.replace("\"", "\"\""));
                        out.write('"');
                    }
                }
                out.write('\n');
            }
        }
    }

    /** A staged value's text (one Java type per column kind, as {@link SnowflakeDialect#bind} takes them), or null. */
    static String text(Object value) {
        if (value == null) {
            return null;
        } else if (value instanceof String v) {
            return v;
        } else if (value instanceof BigDecimal v) {
            return v.toPlainString();
        } else if (value instanceof Double v) {
            return v.isNaN() ? "NaN" : v.isInfinite() ? (v > 0 ? "inf" : "-inf") : v.toString();
        } else if (value instanceof Float v) {
            return v.isNaN() ? "NaN" : v.isInfinite() ? (v > 0 ? "inf" : "-inf") : v.toString();
        } else if (value instanceof byte[] v) {
            return HEX.formatHex(v);
        } else if (value instanceof LocalDateTime v) {
            return TIMESTAMP.format(v);
        } else if (value instanceof OffsetDateTime v) {
            return TIMESTAMP.format(v.withOffsetSameInstant(ZoneOffset.UTC));
        } else if (value instanceof java.time.LocalDate v) {
            return DATE.format(v);
        } else if (value instanceof java.time.LocalTime v) {
            return TIME.format(v);
        } else if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw new IllegalArgumentException("no Snowflake file text for " + value.getClass().getName());
    }
}
