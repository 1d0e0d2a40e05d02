package io.livewarehouse.warehouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.duckdb.DuckDBDriver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * A Snowflake wire-protocol emulator for tests: an HTTP server that answers what the real snowflake-jdbc
 * driver sends (login, query requests with JSON results, heartbeat, logout) and runs the statements on
 * DuckDB. The driver connects to it with {@code jdbc:snowflake://127.0.0.1:PORT/?ssl=off&account=...}.
 *
 * <p>This first cut speaks the session calls, plain queries, bindings and array bindings (a JDBC batch in one
 * request), and rewrites Snowflake's type names for DuckDB; the rewrites of Snowflake's functions and
 * transactions are still to come (issue 7).
 */
public final class SnowflakeEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Connection duckdb;
    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();

    public SnowflakeEmulator(Path database) throws IOException, SQLException {
        this.duckdb = new DuckDBDriver().connect("jdbc:duckdb:" + database, new Properties());
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/session/v1/login-request", exchange -> answer(exchange, login(body(exchange))));
        server.createContext("/queries/v1/query-request", exchange -> answer(exchange, query(body(exchange))));
        server.createContext("/session/heartbeat", exchange -> answer(exchange, success(JSON.createObjectNode())));
        server.createContext("/session", exchange -> answer(exchange, success(JSON.createObjectNode())));
        server.start();
    }

    /** The JDBC URL the real driver connects with. */
    public String url() {
        return "jdbc:snowflake://127.0.0.1:" + server.getAddress().getPort() + "/?ssl=off&account=emulated";
    }

    public long queries() {
        return queries.get();
    }

    private ObjectNode login(JsonNode request) {
        String token = UUID.randomUUID().toString();
        sessions.put(token, request.path("data").path("LOGIN_NAME").asText());
        ObjectNode data = JSON.createObjectNode();
        data.put("token", token);
        data.put("masterToken", UUID.randomUUID().toString());
        data.put("sessionId", Math.abs(token.hashCode()));
        data.set("parameters", parameters());
        ObjectNode info = data.putObject("sessionInfo");
        info.put("databaseName", "DVD_RENTALS");
        info.put("schemaName", "STAGING");
        info.put("roleName", "PIPELINE");
        info.put("warehouseName", "PIPELINE_WH");
        return success(data);
    }

    private ObjectNode query(JsonNode request) {
        queries.incrementAndGet();
        String sql = toDuckDb(request.path("sqlText").asText());
        ObjectNode data = JSON.createObjectNode();
        data.put("queryId", UUID.randomUUID().toString());
        data.set("parameters", parameters());
        data.put("version", 1);
        if (request.path("describeOnly").asBoolean()) {
            // What prepareStatement asks: the number of binds and whether an INSERT takes array bindings.
            data.putArray("rowtype");
            data.putArray("rowset");
            data.put("total", 0);
            data.put("numberOfBinds", (int) sql.chars().filter(c -> c == '?').count());
            data.put("arrayBindSupported", sql.stripLeading().toLowerCase(java.util.Locale.ROOT).startsWith("insert"));
            data.put("statementTypeId", statementType(sql));
            return success(data);
        }
        JsonNode bindings = request.path("bindings");
        if (bindings.isObject() && bindings.size() > 0) {
            return bound(sql, bindings, data);
        }
        try (Statement statement = duckdb.createStatement()) {
            if (statement.execute(sql)) {
                try (ResultSet rows = statement.getResultSet()) {
                    describe(rows.getMetaData(), data.putArray("rowtype"));
                    ArrayNode rowset = data.putArray("rowset");
                    int columns = rows.getMetaData().getColumnCount();
                    long total = 0;
                    while (rows.next()) {
                        ArrayNode row = rowset.addArray();
                        for (int i = 1; i <= columns; i++) {
                            Object value = rows.getObject(i);
                            if (value == null) {
                                row.addNull();
                            } else {
                                row.add(value instanceof Boolean b ? b.toString() : value.toString());
                            }
                        }
                        total++;
                    }
                    data.put("total", total);
                    data.put("statementTypeId", 4096);
                }
            } else {
                rowsChanged(data, sql, Math.max(0, statement.getUpdateCount()));
            }
            return success(data);
        } catch (SQLException e) {
            return failure(e);
        }
    }

    /**
     * A statement with bindings: {@code {"1": {"type": "FIXED", "value": "7"}}}, or with array bindings (a
     * JDBC batch) a list of values per parameter, run once per row.
     */
    private ObjectNode bound(String sql, JsonNode bindings, ObjectNode data) {
        int parameters = bindings.size();
        int rows = bindings.path("1").path("value").isArray() ? bindings.path("1").path("value").size() : 1;
        long count = 0;
        try (java.sql.PreparedStatement statement = duckdb.prepareStatement(sql)) {
            for (int row = 0; row < rows; row++) {
                for (int i = 1; i <= parameters; i++) {
                    JsonNode binding = bindings.path(Integer.toString(i));
                    JsonNode value = binding.path("value").isArray() ? binding.path("value").get(row) : binding.path("value");
                    statement.setObject(i, fromBinding(binding.path("type").asText(), value));
                }
                if (statement.execute()) {
                    return failure(new SQLException("the emulator runs queries with bindings only as DML"));
                }
                count += Math.max(0, statement.getUpdateCount());
            }
        } catch (SQLException e) {
            return failure(e);
        }
        rowsChanged(data, sql, count);
        return success(data);
    }

    /** A DML statement's answer: one row with the number of rows it changed (the driver sums the first row). */
    private static void rowsChanged(ObjectNode data, String sql, long count) {
        data.putArray("rowtype").addObject().put("name", "number of rows changed").put("type", "fixed")
                .put("precision", 19).put("scale", 0).put("nullable", false);
        data.putArray("rowset").addArray().add(Long.toString(count));
        data.put("total", 1);
        data.put("statementTypeId", statementType(sql));
    }

    /** Snowflake's statement type ids (the driver's SFStatementType): what it allows executeUpdate and batches for. */
    private static long statementType(String sql) {
        String verb = sql.stripLeading().split("\\s+", 2)[0].toLowerCase(java.util.Locale.ROOT);
        return switch (verb) {
            case "select", "with" -> 4096;
            case "insert" -> 12544;
            case "update" -> 12800;
            case "delete" -> 13056;
            case "merge" -> 13312;
            default -> 24576;
        };
    }

    /** A bound value as the driver encodes it (shared/SNOWFLAKE.md), as the Java value DuckDB takes. */
    private static Object fromBinding(String type, JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText();
        return switch (type) {
            case "FIXED" -> new java.math.BigDecimal(text);
            case "REAL" -> Double.parseDouble(text);
            case "BOOLEAN" -> Boolean.parseBoolean(text);
            case "BINARY" -> java.util.HexFormat.of().parseHex(text);
            case "DATE" -> java.time.Instant.ofEpochMilli(Long.parseLong(text)).atOffset(java.time.ZoneOffset.UTC).toLocalDate();
            case "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIMESTAMP_NTZ" -> {
                java.math.BigDecimal nanos = new java.math.BigDecimal(text.split(" ")[0]);
                long seconds = nanos.divide(java.math.BigDecimal.valueOf(1_000_000_000L), java.math.RoundingMode.FLOOR).longValue();
                long rest = nanos.subtract(java.math.BigDecimal.valueOf(seconds).multiply(java.math.BigDecimal.valueOf(1_000_000_000L))).longValue();
                yield java.time.Instant.ofEpochSecond(seconds, rest).atOffset(java.time.ZoneOffset.UTC);
            }
            default -> text;
        };
    }

    /** The few rewrites Snowflake's DDL needs on DuckDB: its type names. */
    static String toDuckDb(String sql) {
        return sql.replaceAll("(?i)\\bNUMBER\\((\\d+),(\\d+)\\)", "DECIMAL($1,$2)")
                .replaceAll("(?i)\\bTIMESTAMP_NTZ(\\(\\d+\\))?", "TIMESTAMP")
                .replaceAll("(?i)\\bTIMESTAMP_TZ(\\(\\d+\\))?", "TIMESTAMPTZ")
                .replaceAll("(?i)\\bTIME\\(\\d+\\)", "TIME")
                .replaceAll("(?i)\\bVARIANT\\b", "JSON")
                .replaceAll("(?i)\\bBINARY\\b", "BLOB")
                .replaceAll("(?i)\\bFLOAT\\b", "DOUBLE");
    }

    private static ObjectNode failure(SQLException e) {
        ObjectNode failure = JSON.createObjectNode();
        failure.put("success", false);
        failure.put("code", "002003");
        failure.put("message", e.getMessage());
        failure.putObject("data").put("sqlState", "42S02").put("errorCode", "002003");
        return failure;
    }

    /** The emulator's DuckDB, for tests to look at what landed exactly as stored. */
    Connection duckdb() {
        return duckdb;
    }

    /** Snowflake's rowtype for each DuckDB column: the driver decodes the JSON strings by these types. */
    private static void describe(ResultSetMetaData metadata, ArrayNode rowtype) throws SQLException {
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
            ObjectNode column = rowtype.addObject();
            column.put("name", metadata.getColumnLabel(i).toUpperCase(java.util.Locale.ROOT));
            column.put("nullable", true);
            switch (metadata.getColumnType(i)) {
                case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT ->
                        column.put("type", "fixed").put("precision", 38).put("scale", 0);
                case Types.DECIMAL, Types.NUMERIC -> column.put("type", "fixed")
                        .put("precision", metadata.getPrecision(i)).put("scale", metadata.getScale(i));
                case Types.FLOAT, Types.REAL, Types.DOUBLE -> column.put("type", "real");
                case Types.BOOLEAN -> column.put("type", "boolean");
                default -> column.put("type", "text").put("length", 16777216);
            }
        }
    }

    /** The session parameters, echoed in every answer (an empty list makes the driver reset autocommit). */
    private static ArrayNode parameters() {
        ArrayNode parameters = JSON.createArrayNode();
        parameters.addObject().put("name", "AUTOCOMMIT").put("value", true);
        parameters.addObject().put("name", "TIMEZONE").put("value", "UTC");
        parameters.addObject().put("name", "CLIENT_SESSION_KEEP_ALIVE").put("value", false);
        return parameters;
    }

    private static ObjectNode success(ObjectNode data) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("success", true);
        answer.set("data", data);
        answer.putNull("code");
        answer.putNull("message");
        return answer;
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        byte[] bytes = in.readAllBytes();
        return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    }

    private static void answer(HttpExchange exchange, ObjectNode answer) throws IOException {
        byte[] bytes = JSON.writeValueAsString(answer).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() throws SQLException {
        server.stop(0);
        duckdb.close();
    }
}
