package io.livewarehouse.capture;

import org.postgresql.geometric.PGbox;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGline;
import org.postgresql.geometric.PGlseg;
import org.postgresql.geometric.PGpath;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;
import org.postgresql.util.PGInterval;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;

/**
 * Values as PostgreSQL prints them, for the values Debezium hands over already parsed (intervals, points,
 * zoned times...) or printed in the replication session's settings (time zone).
 *
 * <p>Why: the snapshot by COPY stages these types as the source prints them, in a session with fixed
 * settings (TimeZone UTC, IntervalStyle postgres, DateStyle ISO); streamed changes of the same column must
 * land as the same text, or the current state would flip between two spellings of one value. Each method
 * here reproduces the matching PostgreSQL output function under those settings; ranges, arrays, JSON
 * strings and hstore are in {@link PostgresCompositeText}.
 */
public final class PostgresText {

    private PostgresText() {
    }

    // --- numbers ---------------------------------------------------------------------------------------

    /**
     * float8out with extra_float_digits above 0 (every client since PostgreSQL 12): the shortest decimal that
     * reads back as the same double, fixed notation for decimal exponents -4 to 15, else {@code 1e+300}.
     */
    public static String float8(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0" : "0";
        }
        // The shortest decimal strictly inside the interval of reals that round to this double (PostgreSQL's
        // Ryu does not take a decimal exactly halfway to a neighbour, although it would read back the same).
        BigDecimal exact = new BigDecimal(value);
        double magnitude = Math.abs(value);
        BigDecimal above = magnitude == Double.MAX_VALUE
                ? new BigDecimal(magnitude).add(new BigDecimal(Math.ulp(magnitude)))
                : new BigDecimal(Math.nextUp(magnitude));
        BigDecimal low = new BigDecimal(magnitude).add(new BigDecimal(Math.nextDown(magnitude))).divide(BigDecimal.valueOf(2));
        BigDecimal high = new BigDecimal(magnitude).add(above).divide(BigDecimal.valueOf(2));
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            BigDecimal size = rounded.abs();
            if (size.compareTo(low) > 0 && size.compareTo(high) < 0) {
                shortest = rounded;
                break;
            }
        }
        BigDecimal stripped = shortest.stripTrailingZeros();
        String digits = stripped.unscaledValue().abs().toString();
        int exponent = -stripped.scale();
        int point = exponent + digits.length();
        StringBuilder out = new StringBuilder(24);
        if (value < 0) {
            out.append('-');
        }
        if (point > -4 && point <= 15) {
            if (exponent >= 0) {
                out.append(digits).append("0".repeat(exponent));
            } else if (point > 0) {
                out.append(digits, 0, point).append('.').append(digits, point, digits.length());
            } else {
                out.append("0.").append("0".repeat(-point)).append(digits);
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int shown = point - 1;
            out.append('e').append(shown < 0 ? '-' : '+');
            String exponentDigits = Integer.toString(Math.abs(shown));
            if (exponentDigits.length() < 2) {
                out.append('0');
            }
            out.append(exponentDigits);
        }
        return out.toString();
    }

    // --- geometric types -----------------------------------------------------------------------------

    /** point_out, line_out, lseg_out, box_out, path_out, poly_out, circle_out; null for other objects. */
    public static String geometric(Object value) {
        if (value instanceof PGpoint point) {
            return point(point);
        }
        if (value instanceof PGline line) {
            return "{" + float8(line.a) + "," + float8(line.b) + "," + float8(line.c) + "}";
        }
        if (value instanceof PGlseg segment) {
            return "[" + point(segment.point[0]) + "," + point(segment.point[1]) + "]";
        }
        if (value instanceof PGbox box) {
            return point(box.point[0]) + "," + point(box.point[1]);
        }
        if (value instanceof PGpath path) {
            return (path.isOpen() ? "[" : "(") + points(path.points) + (path.isOpen() ? "]" : ")");
        }
        if (value instanceof PGpolygon polygon) {
            return "(" + points(polygon.points) + ")";
        }
        if (value instanceof PGcircle circle) {
            return "<" + point(circle.center) + "," + float8(circle.radius) + ">";
        }
        return null;
    }

    private static String point(PGpoint point) {
        return "(" + float8(point.x) + "," + float8(point.y) + ")";
    }

    private static String points(PGpoint[] points) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < points.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(point(points[i]));
        }
        return out.toString();
    }

    // --- intervals, times, timestamps ----------------------------------------------------------------

    /** interval_out with IntervalStyle postgres: {@code 1 year 2 mons -3 days +04:05:06.5}. */
    public static String interval(PGInterval interval) {
        long months = (long) interval.getYears() * 12 + interval.getMonths();
        long micros = (((long) interval.getHours() * 60 + interval.getMinutes()) * 60 + interval.getWholeSeconds())
                * 1_000_000L + interval.getMicroSeconds();
        return interval(months, interval.getDays(), micros);
    }

    /** interval_out (postgres style) of an interval's three fields: months, days, microseconds. */
    static String interval(long months, long days, long micros) {
        long year = months / 12;
        long month = months % 12;
        long hour = micros / 3_600_000_000L;
        micros -= hour * 3_600_000_000L;
        long minute = micros / 60_000_000L;
        micros -= minute * 60_000_000L;
        long second = micros / 1_000_000L;
        long fraction = micros - second * 1_000_000L;
        StringBuilder out = new StringBuilder();
        boolean[] state = {true, false}; // is_zero, is_before
        part(out, year, "year", state);
        part(out, month, "mon", state);
        part(out, days, "day", state);
        if (state[0] || hour != 0 || minute != 0 || second != 0 || fraction != 0) {
            boolean minus = hour < 0 || minute < 0 || second < 0 || fraction < 0;
            out.append(state[0] ? "" : " ").append(minus ? "-" : state[1] ? "+" : "");
            pad2(out, Math.abs(hour)).append(':');
            pad2(out, Math.abs(minute)).append(':');
            seconds(out, Math.abs(second), Math.abs(fraction));
        }
        return out.toString();
    }

    private static void part(StringBuilder out, long value, String unit, boolean[] state) {
        if (value == 0) {
            return;
        }
        out.append(state[0] ? "" : " ").append(state[1] && value > 0 ? "+" : "").append(value).append(' ')
                .append(unit).append(value != 1 ? "s" : "");
        state[1] = value < 0;
        state[0] = false;
    }

    private static StringBuilder pad2(StringBuilder out, long value) {
        if (value < 10) {
            out.append('0');
        }
        return out.append(value);
    }

    /** Seconds, two digits at least, then the microseconds without trailing zeros (AppendSeconds). */
    private static void seconds(StringBuilder out, long second, long micros) {
        pad2(out, second);
        if (micros != 0) {
            String fraction = String.format("%06d", micros);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(fraction, 0, end);
        }
    }

    /** time_out: {@code 04:05:06.5}. */
    public static String time(LocalTime time) {
        StringBuilder out = new StringBuilder(15);
        pad2(out, time.getHour()).append(':');
        pad2(out, time.getMinute()).append(':');
        seconds(out, time.getSecond(), time.getNano() / 1000);
        return out.toString();
    }

    /** timetz_out of the time in UTC ({@code AT TIME ZONE 'UTC'}): {@code 10:34:56+00}. */
    public static String timeWithZoneUtc(OffsetTime time) {
        return time(time.withOffsetSameInstant(ZoneOffset.UTC).toLocalTime()) + "+00";
    }

    /** A timetz as PostgreSQL prints it ({@code 12:34:56.5+02:30}), in UTC. */
    public static String timeWithZoneUtc(String text) {
        String trimmed = text.trim();
        int sign = Math.max(trimmed.lastIndexOf('+'), trimmed.lastIndexOf('-'));
        LocalTime local = LocalTime.parse(trimmed.substring(0, sign));
        return timeWithZoneUtc(OffsetTime.of(local, offset(trimmed.substring(sign))));
    }

    /** date_out in DateStyle ISO: {@code 2005-05-24}, {@code 0044-03-15 BC}, {@code 10000-01-01}. */
    public static String date(LocalDate date) {
        StringBuilder out = new StringBuilder(16);
        year(out, date.getYear());
        out.append('-');
        pad2(out, date.getMonthValue()).append('-');
        pad2(out, date.getDayOfMonth());
        if (date.getYear() <= 0) {
            out.append(" BC");
        }
        return out.toString();
    }

    /** timestamp_out in DateStyle ISO. */
    public static String timestamp(LocalDateTime timestamp) {
        StringBuilder out = new StringBuilder(32);
        dateTime(out, timestamp);
        if (timestamp.getYear() <= 0) {
            out.append(" BC");
        }
        return out.toString();
    }

    /** timestamptz_out in DateStyle ISO and TimeZone UTC: {@code 2005-05-24 22:53:30+00}. */
    public static String timestampWithZoneUtc(OffsetDateTime timestamp) {
        LocalDateTime utc = timestamp.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        StringBuilder out = new StringBuilder(32);
        dateTime(out, utc);
        out.append("+00");
        if (utc.getYear() <= 0) {
            out.append(" BC");
        }
        return out.toString();
    }

    private static void dateTime(StringBuilder out, LocalDateTime value) {
        year(out, value.getYear());
        out.append('-');
        pad2(out, value.getMonthValue()).append('-');
        pad2(out, value.getDayOfMonth()).append(' ').append(time(value.toLocalTime()));
    }

    /** Years as ISO dates print them: BC years as their number (year 0 is 1 BC), at least four digits. */
    private static void year(StringBuilder out, int isoYear) {
        int year = isoYear <= 0 ? 1 - isoYear : isoYear;
        String digits = Integer.toString(year);
        out.append("0".repeat(Math.max(0, 4 - digits.length()))).append(digits);
    }

    /**
     * A timestamptz as PostgreSQL prints it in any session time zone ({@code 2020-01-01 12:00:00+02},
     * {@code 0044-03-15 10:00:00+00:53:28 BC}, {@code infinity}) as it prints in UTC.
     */
    public static String timestampWithZoneUtc(String text) {
        String value = text.trim();
        if (value.equals("infinity") || value.equals("-infinity")) {
            return value;
        }
        boolean bc = value.endsWith(" BC");
        if (bc) {
            value = value.substring(0, value.length() - 3);
        }
        int space = value.indexOf(' ');
        int sign = Math.max(value.lastIndexOf('+'), value.lastIndexOf('-'));
        if (space < 0 || sign < space) {
            throw new IllegalArgumentException("not a timestamptz: " + text);
        }
        String[] date = value.substring(0, space).split("-");
        int year = Integer.parseInt(date[0]);
        LocalDateTime local = LocalDateTime.of(LocalDate.of(bc ? 1 - year : year, Integer.parseInt(date[1]),
                Integer.parseInt(date[2])), LocalTime.parse(value.substring(space + 1, sign)));
        return timestampWithZoneUtc(OffsetDateTime.of(local, offset(value.substring(sign))));
    }

    /** A zone offset as PostgreSQL prints it: {@code +02}, {@code -05:30}, {@code +00:53:28}. */
    private static ZoneOffset offset(String text) {
        String[] parts = text.substring(1).split(":");
        int seconds = Integer.parseInt(parts[0]) * 3600 + (parts.length > 1 ? Integer.parseInt(parts[1]) * 60 : 0)
                + (parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
        return ZoneOffset.ofTotalSeconds(text.charAt(0) == '-' ? -seconds : seconds);
    }
}
