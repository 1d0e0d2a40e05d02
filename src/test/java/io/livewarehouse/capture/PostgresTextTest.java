package io.livewarehouse.capture;

import io.livewarehouse.capture.PostgresCompositeText.ElementKind;
import io.livewarehouse.demo.EmbeddedSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL itself is the reference: every value {@link PostgresText} renders is compared with what a real
 * PostgreSQL 17 prints for it, in the snapshot copy's session settings (TimeZone UTC, IntervalStyle postgres),
 * from the objects and texts Debezium hands over (parsed by the JDBC driver, or printed in another time zone).
 */
@Tag("unit")
class PostgresTextTest {

    private static EmbeddedSource postgres;
    private static Connection connection;

    @BeforeAll
    static void start() throws Exception {
        Path directory = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "postgres-text");
        postgres = EmbeddedSource.startEmpty(directory.resolve("data"), 0);
        connection = postgres.connect("postgres");
        session("UTC");
    }

    @AfterAll
    static void stop() throws Exception {
        connection.close();
        postgres.close();
    }

    @Test
    void doublesPrintAsFloat8OutPrintsThem() throws SQLException {
        double[] values = {0.1, 1.0, -0.0, 0.0, 1e300, -1.5e-7, 123456789012345680.0, 1e15, 1e16, 123456789012345.6,
                0.0001, 0.00001, Double.MIN_VALUE, Double.MAX_VALUE, Math.PI, 100, 1e22, 1.0 / 3, 2.5e-5, 1e-4,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9007199254740993.0, 0.3, 2e23,
                4.35, 5e-324, 1.7976931348623157e308, 1234.5678, -987654321.123};
        try (PreparedStatement statement = connection.prepareStatement("select ?::float8::text")) {
            for (double value : values) {
                statement.setDouble(1, value);
                assertThat(PostgresText.float8(value)).as("float8 %s", value).isEqualTo(single(statement));
            }
        }
    }

    @Test
    void geometricTypesPrintAsTheirOutputFunctions() throws SQLException {
        Map<String, List<String>> values = Map.of(
                "point", List.of("(1.5,-2.25)", "(0.1,1e300)", "(NaN,Infinity)", "(0,-0)"),
                "line", List.of("{1,-1,0.5}", "{0.1,2,3e-10}"),
                "lseg", List.of("[(0,0),(1,1.5)]"),
                "box", List.of("(1,1),(0,0)", "(0,0),(3.3,2.2)"),
                "path", List.of("((0,0),(1,1),(2,0))", "[(0,0),(1,1e20)]"),
                "polygon", List.of("((0,0),(1,1),(1,0))"),
                "circle", List.of("<(1,2),3.5>", "<(0.1,0.2),1e-9>"));
        for (Map.Entry<String, List<String>> type : values.entrySet()) {
            for (String text : type.getValue()) {
                try (PreparedStatement statement = connection.prepareStatement(
                        "select ?::" + type.getKey() + ", ?::" + type.getKey() + "::text")) {
                    statement.setString(1, text);
                    statement.setString(2, text);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        assertThat(PostgresText.geometric(row.getObject(1))).as("%s %s", type.getKey(), text)
                                .isEqualTo(row.getString(2));
                    }
                }
            }
        }
    }

    @Test
    void intervalsPrintInThePostgresStyle() throws SQLException {
        List<String> values = List.of("1 year 2 mons 3 days 04:05:06.789", "-1 days +02:03:04", "-04:05:06", "0",
                "1 year -2 mons +3 days -04:05:06.5", "100000 hours", "-1 years -2 mons", "14 months", "1.5 seconds",
                "-0.000001 seconds", "2 days 25 hours", "P1Y2M3DT4H5M6S", "1 day -1 second", "-1 day 1 second",
                "1 mon", "1 day", "1 year", "-3 mons -4 days", "00:00:00.000123");
        try (PreparedStatement statement = connection.prepareStatement("select ?::interval, ?::interval::text")) {
            for (String value : values) {
                statement.setString(1, value);
                statement.setString(2, value);
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    assertThat(PostgresText.interval((PGInterval) row.getObject(1))).as("interval %s", value)
                            .isEqualTo(row.getString(2));
                }
            }
        }
    }

    @Test
    void datesTimesAndTimestampsPrintAsInDateStyleIso() throws SQLException {
        for (LocalDate date : List.of(LocalDate.of(2005, 5, 24), LocalDate.of(-43, 3, 15), LocalDate.of(10000, 1, 1),
                LocalDate.of(1, 1, 1), LocalDate.of(0, 12, 31), LocalDate.of(5874897, 12, 31), LocalDate.of(-4712, 11, 24))) {
            assertThat(PostgresText.date(date)).isEqualTo(text("select make_date(" + pgYear(date.getYear()) + ", "
                    + date.getMonthValue() + ", " + date.getDayOfMonth() + ")::text"));
        }
        for (LocalDateTime timestamp : List.of(LocalDateTime.of(2005, 5, 24, 22, 53, 30),
                LocalDateTime.of(2005, 5, 24, 22, 53, 30, 120_000_000), LocalDateTime.of(-43, 3, 15, 10, 0, 0, 1000),
                LocalDateTime.of(294246, 12, 31, 23, 59, 59, 999_999_000))) {
            String literal = "make_timestamp(" + pgYear(timestamp.getYear()) + ", " + timestamp.getMonthValue() + ", "
                    + timestamp.getDayOfMonth() + ", " + timestamp.getHour() + ", " + timestamp.getMinute() + ", "
                    + (timestamp.getSecond() + timestamp.getNano() / 1e9) + ")";
            assertThat(PostgresText.timestamp(timestamp)).isEqualTo(text("select " + literal + "::text"));
            assertThat(PostgresText.timestampWithZoneUtc(timestamp.atOffset(java.time.ZoneOffset.UTC)))
                    .isEqualTo(text("select (" + literal + " at time zone 'UTC')::text"));
        }
        assertThat(PostgresText.time(java.time.LocalTime.of(4, 5, 6, 500_000_000))).isEqualTo(text("select '04:05:06.5'::time::text"));
        assertThat(PostgresText.timeWithZoneUtc(OffsetTime.parse("12:34:56.25+02:30")))
                .isEqualTo(text("select ('12:34:56.25+02:30'::timetz at time zone 'UTC')::text"));
        assertThat(PostgresText.timeWithZoneUtc("12:34:56+05:45")).isEqualTo(text("select ('12:34:56+05:45'::timetz at time zone 'UTC')::text"));
    }

    @Test
    void zonedValuesPrintedInAnotherTimeZonePrintAsInUtc() throws SQLException {
        List<String> timestamps = List.of("2020-01-01 12:00:00+00", "0044-03-15 10:00:00+00 BC", "10000-01-01 00:00:00.5+00",
                "infinity", "-infinity", "1900-01-01 00:00:00+00", "2021-06-30 23:59:59.999999+00");
        List<String> ranges = List.of("[2020-01-01 10:00+00,2020-01-02 00:00+00)", "[2020-01-01 00:00+00,infinity)",
                "(,2020-01-01 00:00+00)", "empty", "[2020-01-01 00:00+00,2020-01-01 00:00+00]");
        for (String zone : List.of("Asia/Kathmandu", "America/St_Johns", "Europe/Amsterdam")) {
            for (String value : timestamps) {
                session(zone);
                String there = text("select '" + value + "'::timestamptz::text");
                session("UTC");
                assertThat(PostgresText.timestampWithZoneUtc(there)).as("%s in %s", value, zone)
                        .isEqualTo(text("select '" + value + "'::timestamptz::text"));
            }
            for (String value : ranges) {
                session(zone);
                String there = text("select '" + value + "'::tstzrange::text");
                String multi = text("select tstzmultirange('" + value + "'::tstzrange, '[2030-01-01 00:00+00,2030-02-01 00:00+00)')::text");
                session("UTC");
                assertThat(PostgresCompositeText.range(there, PostgresText::timestampWithZoneUtc)).as("%s in %s", value, zone)
                        .isEqualTo(text("select '" + value + "'::tstzrange::text"));
                assertThat(PostgresCompositeText.range(multi, PostgresText::timestampWithZoneUtc)).as("multirange %s in %s", value, zone)
                        .isEqualTo(text("select tstzmultirange('" + value + "'::tstzrange, '[2030-01-01 00:00+00,2030-02-01 00:00+00)')::text"));
            }
        }
        assertThat(PostgresCompositeText.range("[\"a b\",\"c\"\"d\")", bound -> bound)).isEqualTo("[\"a b\",\"c\"\"d\")");
    }

    @Test
    void arraysBecomeTheJsonToJsonWritesForThem() throws SQLException {
        // value, type, element type
        List<String[]> arrays = List.of(
                new String[]{"{1,NULL,3}", "int4[]", "int4"},
                new String[]{"{{1,2},{3,4}}", "int8[]", "int8"},
                new String[]{"[0:1]={5,6}", "int2[]", "int2"},
                new String[]{"{1.50,NaN,Infinity,-Infinity,NULL}", "numeric[]", "numeric"},
                new String[]{"{1e300,NaN,-Infinity,0.1}", "float8[]", "float8"},
                new String[]{"{0.1,3.4e38}", "float4[]", "float4"},
                new String[]{"{t,f,NULL}", "bool[]", "bool"},
                new String[]{"{\"a b\",\"c\\\"d\",\"e\\\\f\",NULL,\"NULL\",\"\",\"tab\there\",\"line\nbreak\",\"\u0001x\",Ω}", "text[]", "text"},
                new String[]{"{\"x  \",y}", "char(3)[]", "bpchar"},
                new String[]{"{}", "text[]", "text"},
                new String[]{"{\"2020-01-01 12:00:00+00\",\"0044-03-15 10:00:00+00 BC\",infinity,NULL}", "timestamptz[]", "timestamptz"},
                new String[]{"{2020-01-01,infinity}", "date[]", "date"},
                new String[]{"{\"1 day 02:00:00\",-00:00:01}", "interval[]", "interval"},
                new String[]{"{\"(1,1),(0,0)\";\"(2,2),(1,1)\"}", "box[]", "box"},
                new String[]{"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "uuid[]", "uuid"},
                new String[]{"{\"{\\\"a\\\": 1}\",null}", "jsonb[]", "jsonb"},
                new String[]{"{\"[2020-01-01 10:00+00,2020-01-02 00:00+00)\",empty}", "tstzrange[]", "tstzrange"},
                new String[]{"{12:00:00+02}", "timetz[]", "timetz"},
                new String[]{"{\"\\\\x0102\"}", "bytea[]", "bytea"});
        for (String[] array : arrays) {
            String literal = "'" + array[0].replace("'", "''") + "'::" + array[1];
            ElementKind kind = SourceTypes.elementKind(array[2]);
            boolean asIs = kind != ElementKind.TEXT || "bpchar".equals(array[2]);
            session("Asia/Kathmandu");
            String printed = text("select (" + literal + ")::text");
            session("UTC");
            String expected = text("select to_json((" + literal + ")" + (asIs ? "" : "::text[]") + ")::text");
            assertThat(PostgresCompositeText.arrayToJson(printed, kind, SourceTypes.delimiter(array[2]),
                    element -> SourceTypes.canonicalElement(array[2], element))).as("%s", literal).isEqualTo(expected);
        }
    }

    @Test
    void jsonStringsAreEscapedAsToJsonEscapesThem() throws SQLException {
        String text = "quote \" backslash \\ tab \t newline \n cr \r bell \u0007 unit \u001f del \u007f Ω 😀 /";
        try (PreparedStatement statement = connection.prepareStatement("select to_json(?::text)::text")) {
            statement.setString(1, text);
            assertThat(PostgresCompositeText.jsonString(text)).isEqualTo(single(statement));
        }
        assertThat(PostgresCompositeText.hstore(new java.util.HashMap<>(Map.of("bb", "2", "a", "x\"y", "ccc", "3"))))
                .isEqualTo("\"a\"=>\"x\\\"y\", \"bb\"=>\"2\", \"ccc\"=>\"3\"");
        assertThat(PostgresCompositeText.hasLoneSurrogate("{\"a\": \"\\ud800\"}")).isTrue();
        assertThat(PostgresCompositeText.hasLoneSurrogate("{\"a\": \"\\udc00 x\"}")).isTrue();
        assertThat(PostgresCompositeText.hasLoneSurrogate("{\"a\": \"\\ud83d\\ude00\"}")).isFalse();
        assertThat(PostgresCompositeText.hasLoneSurrogate("{\"a\": \"\\u00e9\"}")).isFalse();
        // The snapshot copy's test in the source's SQL agrees.
        try (PreparedStatement statement = connection.prepareStatement("select ? ~ '" + PostgresCompositeText.LONE_SURROGATE_SQL + "'")) {
            for (String json : List.of("{\"a\": \"\\ud800\"}", "{\"a\": \"\\udc00 x\"}", "{\"a\": \"\\ud83d\\ude00\"}", "{\"a\": \"\\u00e9\"}")) {
                statement.setString(1, json);
                assertThat(single(statement)).as(json).isEqualTo(PostgresCompositeText.hasLoneSurrogate(json) ? "t" : "f");
            }
        }
    }

    /** make_date and make_timestamp take BC years as negative numbers (no year 0). */
    private static int pgYear(int isoYear) {
        return isoYear <= 0 ? isoYear - 1 : isoYear;
    }

    private static void session(String zone) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("set time zone '" + zone + "'");
            statement.execute("set intervalstyle = 'postgres'");
        }
    }

    private static String text(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    private static String single(PreparedStatement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getString(1);
        }
    }
}
