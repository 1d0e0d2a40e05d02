package io.livewarehouse.warehouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A Snowflake wire-protocol emulator for tests: an HTTP server that answers what the real snowflake-jdbc
 * driver sends (login by password or key pair, query requests with JSON results, bindings and array bindings,
 * session parameters, heartbeat, token renewal, abort, logout) and runs the statements on DuckDB after the
 * rewrites of {@link EmulatedSql}. The driver connects with {@code jdbc:snowflake://127.0.0.1:PORT/?ssl=off&account=...}.
 *
 * <p>Each session has its own DuckDB connection, so transactions are per session as in Snowflake:
 * {@code ALTER SESSION SET AUTOCOMMIT}, COMMIT and ROLLBACK are honoured, and DDL commits the open
 * transaction first, as Snowflake's does. A DDL statement that arrives while the session has uncommitted
 * changes is recorded ({@link #implicitCommits()}): the pipeline must never rely on a transaction that DDL
 * would cut.
 *
 * <p>Failures a production account gives are answered the way Snowflake does: a wrong key or password at
 * login (390144 / 390100), a missing privilege (003001, SQLState 42501; {@link #deny}), an expired session
 * (390112, then 390114 when the renewal fails; {@link #expireSessions}).
 */
public final class SnowflakeEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SnowflakeEmulator.class);
    private static final Pattern AUTOCOMMIT = Pattern.compile("(?is)\\s*alter\\s+session\\s+set\\s+autocommit\\s*=\\s*(true|false)\\s*;?\\s*");

    /** One logged-in session: its own DuckDB connection and transaction state. */
    private static final class Session {
        final String user;
        final String masterToken;
        final Connection duckdb;
        boolean autocommit = true;
        boolean uncommitted;

        Session(String user, String masterToken, Connection duckdb) {
            this.user = user;
            this.masterToken = masterToken;
            this.duckdb = duckdb;
        }
    }

    private HttpServer server;
    private int port;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final DuckDBConnection duckdb;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong logins = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger largestArrayBinding = new java.util.concurrent.atomic.AtomicInteger();
    /** Query requests by id, the latest 10,000 (see {@link #once}). */
    private final Map<String, java.util.concurrent.CompletableFuture<ObjectNode>> requests = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, java.util.concurrent.CompletableFuture<ObjectNode>> eldest) {
            return size() > 10_000;
        }
    };
    private final List<String> implicitCommits = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<Pattern, String> denied = new ConcurrentHashMap<>();
    private volatile String password = "emulated";
    private volatile PublicKey publicKey;
    private volatile int stageBindingThreshold = 65_280;
    /** The internal stages, one folder each: what PUT copies files into (the driver's LOCAL_FS stage type). */
    private final Path stages;
    private final List<String> stageCommands = Collections.synchronizedList(new ArrayList<>());
    /** Every query request, as Snowflake's query history would show it: when, what, and whether only described. */
    private final java.util.Deque<Request> requestLog = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.concurrent.atomic.AtomicInteger logged = new java.util.concurrent.atomic.AtomicInteger();

    /** One query request the emulator answered: a prepare's describe, or an execution. */
    public record Request(java.time.Instant at, String sql, boolean describeOnly) {
    }

    public SnowflakeEmulator(Path database) throws IOException, SQLException {
        this.stages = database.resolveSibling(database.getFileName() + ".stages");
        this.duckdb = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + database, new Properties());
        EmulatedSql.install(duckdb);
        listen(0);
    }

    private void listen(int onPort) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 0);
        port = server.getAddress().getPort();
        server.setExecutor(threads);
        server.createContext("/session/v1/login-request", exchange -> answer(exchange, login(body(exchange))));
        server.createContext("/session/token-request", exchange -> answer(exchange, renew(body(exchange))));
        server.createContext("/queries/v1/query-request", exchange -> {
            JsonNode request = body(exchange);
            answer(exchange, once(parameter(exchange, "requestId"),
                    () -> withSession(exchange, session -> query(session, request))));
        });
        server.createContext("/queries/v1/abort-request", exchange -> answer(exchange, success(JSON.createObjectNode())));
        server.createContext("/session/heartbeat", exchange -> answer(exchange,
                withSession(exchange, session -> success(JSON.createObjectNode()))));
        server.createContext("/session", exchange -> {
            Session session = sessions.remove(token(exchange));
            if (session != null) {
                closeQuietly(session.duckdb);
            }
            answer(exchange, success(JSON.createObjectNode()));
        });
        server.start();
    }

    /** The account cannot be reached: the port refuses connections until {@link #reachable()}. Sessions survive. */
    public synchronized void unreachable() {
        server.stop(0);
    }

    /** The account answers again, on the same port. */
    public synchronized void reachable() throws IOException {
        listen(port);
    }

    /** The JDBC URL the real driver connects with. */
    public String url() {
        return "jdbc:snowflake://127.0.0.1:" + port + "/?ssl=off&account=emulated";
    }

    /** Logins by password take this one (the default: {@code emulated}). */
    public void acceptPassword(String password) {
        this.password = password;
    }

    /** Logins by key pair are checked against this public key (as ALTER USER ... SET RSA_PUBLIC_KEY). */
    public void acceptKey(PublicKey key) {
        this.publicKey = key;
    }

    /** Statements matching the pattern fail as for a role without the privilege, naming {@code object}. */
    public void deny(Pattern statements, String object) {
        denied.put(statements, object);
    }

    public void allowAll() {
        denied.clear();
    }

    /**
     * The CLIENT_STAGE_ARRAY_BINDING_THRESHOLD sessions get at login (Snowflake's default: 65,280). A batch with
     * that many bound values makes the driver create a temporary stage and PUT the rows there; the emulator
     * has no named stages, so its CREATE TEMPORARY STAGE fails (and is recorded), and the driver falls back
     * to inline bindings.
     */
    public void stageBindingThreshold(int threshold) {
        this.stageBindingThreshold = threshold;
    }

    private volatile Pattern heldCopies;
    private volatile int copiesPassing;
    private final AtomicInteger matchingCopies = new AtomicInteger();
    private final AtomicInteger copiesWaiting = new AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch copyRelease = new java.util.concurrent.CountDownLatch(0);

    /**
     * From the ({@code passing}+1)th COPY INTO whose statement matches {@code into} on, each waits before it
     * loads until {@link #releaseCopies}: a test kills the pipeline in the middle of its COPY meanwhile.
     */
    public void holdCopies(Pattern into, int passing) {
        copyRelease = new java.util.concurrent.CountDownLatch(1);
        matchingCopies.set(0);
        copiesPassing = passing;
        heldCopies = into;
    }

    /** COPY INTO statements held by {@link #holdCopies} and not finished yet. */
    public int copiesWaiting() {
        return copiesWaiting.get();
    }

    /** The held COPY INTO statements go on (into sessions whose client may be gone), and no more are held. */
    public void releaseCopies() {
        heldCopies = null;
        copyRelease.countDown();
    }

    /** Every session ends, as when they time out; the driver's renewal with its master token fails too. */
    public void expireSessions() {
        for (String token : List.copyOf(sessions.keySet())) {
            Session session = sessions.remove(token);
            if (session != null) {
                closeQuietly(session.duckdb);
            }
        }
    }

    public long queries() {
        return queries.get();
    }

    public long logins() {
        return logins.get();
    }

    /** The most bound values one request with array bindings carried. */
    public int largestArrayBinding() {
        return largestArrayBinding.get();
    }


    /** DDL statements that arrived while their session had uncommitted changes (Snowflake would commit them). */
    public List<String> implicitCommits() {
        return List.copyOf(implicitCommits);
    }

    /** Statements that failed, with DuckDB's message: what the emulator could not run, or a real error. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** The emulator's DuckDB, for tests to look at what landed exactly as stored. */
    public Connection duckdb() {
        return duckdb;
    }

    private ObjectNode login(JsonNode request) {
        JsonNode data = request.path("data");
        String user = data.path("LOGIN_NAME").asText();
        if ("SNOWFLAKE_JWT".equalsIgnoreCase(data.path("AUTHENTICATOR").asText())) {
            if (!validJwt(data.path("TOKEN").asText())) {
                return failure("390144", "JWT token is invalid. [" + UUID.randomUUID() + "]", "08001");
            }
        } else if (!password.equals(data.path("PASSWORD").asText())) {
            return failure("390100", "Incorrect username or password was specified.", "08001");
        }
        String token = UUID.randomUUID().toString();
        String masterToken = UUID.randomUUID().toString();
        try {
            sessions.put(token, new Session(user, masterToken, duckdb.duplicate()));
        } catch (SQLException e) {
            return failure("000603", e.getMessage(), "XX000");
        }
        logins.incrementAndGet();
        ObjectNode answer = JSON.createObjectNode();
        answer.put("token", token);
        answer.put("masterToken", masterToken);
        answer.put("sessionId", Math.abs(token.hashCode()));
        answer.put("validityInSeconds", 3600);
        answer.put("masterValidityInSeconds", 14400);
        answer.set("parameters", parameters(null));
        ObjectNode info = answer.putObject("sessionInfo");
        info.put("databaseName", "DVD_RENTALS");
        info.put("schemaName", "STAGING");
        info.put("roleName", "PIPELINE");
        info.put("warehouseName", "PIPELINE_WH");
        return success(answer);
    }

    /**
     * A key-pair login's JWT: signed (RS256) by the private key of the public key on record, and naming that
     * key's fingerprint in its issuer, as Snowflake checks it.
     */
    private boolean validJwt(String jwt) {
        PublicKey key = publicKey;
        String[] parts = jwt.split("\\.");
        if (key == null || parts.length != 3) {
            return false;
        }
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return false;
            }
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String fingerprint = "SHA256:" + Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
            return claims.path("iss").asText().endsWith(fingerprint);
        } catch (Exception e) {
            return false;
        }
    }

    /** The driver renews an expired session token with its master token; that fails once the session is gone. */
    private ObjectNode renew(JsonNode request) {
        String old = request.path("oldSessionToken").asText();
        Session session = sessions.get(old);
        if (session == null) {
            return failure("390114", "Authentication token has expired.  The user must authenticate again.", "08001");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("sessionToken", old);
        answer.put("masterToken", session.masterToken);
        answer.put("validityInSecondsST", 3600);
        answer.put("validityInSecondsMT", 14400);
        return success(answer);
    }

    private interface SessionCall {
        ObjectNode call(Session session);
    }

    private ObjectNode withSession(HttpExchange exchange, SessionCall call) {
        Session session = sessions.get(token(exchange));
        if (session == null) {
            return failure("390112", "Your session has expired. Please login again.", "08001");
        }
        synchronized (session) {
            return call.call(session);
        }
    }

    /**
     * A query request runs once per request id: the driver sends a request again, with the same id, when its
     * answer did not arrive (a timeout, a connection reset), and Snowflake answers that with the first run's
     * result instead of running the statement again. A retry while the first run is still going waits for it.
     */
    private ObjectNode once(String requestId, java.util.function.Supplier<ObjectNode> run) {
        if (requestId == null) {
            return run.get();
        }
        java.util.concurrent.CompletableFuture<ObjectNode> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<ObjectNode> first;
        synchronized (requests) {
            first = requests.putIfAbsent(requestId, mine);
        }
        if (first != null) {
            return first.join();
        }
        try {
            mine.complete(run.get());
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
        }
        return mine.join();
    }

    private static String parameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        for (String pair : query == null ? new String[0] : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String token(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        Matcher token = Pattern.compile("Token=\"([^\"]*)\"").matcher(header == null ? "" : header);
        return token.find() ? token.group(1) : "";
    }

    private ObjectNode query(Session session, JsonNode request) {
        queries.incrementAndGet();
        String snowflakeSql = request.path("sqlText").asText();
        requestLog.addLast(new Request(java.time.Instant.now(), snowflakeSql, request.path("describeOnly").asBoolean()));
        if (logged.incrementAndGet() > 200_000) {
            requestLog.pollFirst();
            logged.decrementAndGet();
        }
        ObjectNode data = JSON.createObjectNode();
        data.put("queryId", UUID.randomUUID().toString());
        data.put("version", 1);
        for (Map.Entry<Pattern, String> denial : denied.entrySet()) {
            if (denial.getKey().matcher(snowflakeSql).find()) {
                return failure("003001", "SQL access control error:\nInsufficient privileges to operate on "
                        + denial.getValue() + ".", "42501");
            }
        }
        try {
            if (StageCommands.isPut(snowflakeSql)) {
                return put(session, data, snowflakeSql);
            }
            if (StageCommands.isCopy(snowflakeSql)) {
                return copyInto(session, data, snowflakeSql);
            }
            if (EmulatedSql.verb(snowflakeSql).equals("remove")) {
                return remove(session, data, snowflakeSql);
            }
        } catch (SQLException | IOException | RuntimeException e) {
            failures.add(e.getMessage().lines().findFirst().orElse("") + " <- " + snowflakeSql);
            LOG.infof("The emulated Snowflake failed %s: %s", snowflakeSql, e.getMessage());
            return failure("002003", e.getMessage(), "42000");
        }
        String sql = EmulatedSql.toDuckDb(snowflakeSql);
        try {
            Matcher autocommit = AUTOCOMMIT.matcher(EmulatedSql.withoutComments(sql));
            if (autocommit.matches()) {
                boolean on = Boolean.parseBoolean(autocommit.group(1).toLowerCase(java.util.Locale.ROOT));
                if (on && !session.autocommit) {
                    session.duckdb.commit();
                }
                session.duckdb.setAutoCommit(on);
                session.autocommit = on;
                session.uncommitted = false;
                return statusOnly(session, data, sql);
            }
            switch (EmulatedSql.verb(sql)) {
                case "commit" -> {
                    if (!session.autocommit) {
                        session.duckdb.commit();
                    }
                    session.uncommitted = false;
                    return statusOnly(session, data, sql);
                }
                case "rollback" -> {
                    if (!session.autocommit) {
                        session.duckdb.rollback();
                    }
                    session.uncommitted = false;
                    return statusOnly(session, data, sql);
                }
                case "alter" -> {
                    if (!EmulatedSql.isDdl(sql)) {
                        // Other session parameters (TIMEZONE, ...) are taken as set.
                        return statusOnly(session, data, sql);
                    }
                }
                case "use" -> {
                    return statusOnly(session, data, sql);
                }
                case "show" -> {
                    return showParameter(session, data, sql);
                }
                default -> {
                }
            }
            if (request.path("describeOnly").asBoolean()) {
                // What prepareStatement asks: the number of binds and whether the statement takes array bindings.
                data.putArray("rowtype");
                data.putArray("rowset");
                data.put("total", 0);
                data.put("numberOfBinds", (int) sql.chars().filter(c -> c == '?').count());
                data.put("arrayBindSupported", EmulatedSql.verb(sql).equals("insert"));
                data.put("statementTypeId", EmulatedSql.statementType(sql));
                data.set("parameters", parameters(session));
                return success(data);
            }
            boolean ddl = EmulatedSql.isDdl(sql);
            if (ddl && !session.autocommit) {
                // Snowflake runs DDL in its own transaction, committing the open one first.
                if (session.uncommitted) {
                    implicitCommits.add(snowflakeSql);
                }
                session.duckdb.commit();
                session.uncommitted = false;
            }
            run(session, sql, request.path("bindings"), data);
            if (ddl) {
                replacedTable(sql);
            }
            if (ddl && !session.autocommit) {
                session.duckdb.commit();
            } else if (!session.autocommit && EmulatedSql.statementType(sql) != 4096) {
                session.uncommitted = true;
            }
            data.set("parameters", parameters(session));
            return success(data);
        } catch (SQLException e) {
            failures.add(e.getMessage().lines().findFirst().orElse("") + " <- " + snowflakeSql);
            LOG.infof("The emulated Snowflake failed %s (run on DuckDB as %s): %s", snowflakeSql, sql, e.getMessage());
            return failure("002003", e.getMessage(), "42000");
        }
    }

    /**
     * Runs a statement: without bindings, with bindings ({@code {"1": {"type": "FIXED", "value": "7"}}}), or
     * with array bindings (a JDBC batch: a list of values per parameter), run once per row.
     */
    private void run(Session session, String sql, JsonNode bindings, ObjectNode data) throws SQLException {
        if (!bindings.isObject() || bindings.isEmpty()) {
            try (Statement statement = session.duckdb.createStatement()) {
                if (statement.execute(sql)) {
                    answer(statement.getResultSet(), sql, data);
                } else {
                    rowsChanged(data, sql, Math.max(0, statement.getUpdateCount()));
                }
            }
            return;
        }
        int parameters = bindings.size();
        JsonNode first = bindings.path("1").path("value");
        int rows = first.isArray() ? first.size() : 1;
        if (first.isArray()) {
            largestArrayBinding.accumulateAndGet(rows * parameters, Math::max);
        }
        long count = 0;
        try (PreparedStatement statement = session.duckdb.prepareStatement(sql)) {
            for (int row = 0; row < rows; row++) {
                for (int i = 1; i <= parameters; i++) {
                    JsonNode binding = bindings.path(Integer.toString(i));
                    JsonNode value = binding.path("value").isArray() ? binding.path("value").get(row) : binding.path("value");
                    statement.setObject(i, EmulatedSql.fromBinding(binding.path("type").asText(), value));
                }
                if (statement.execute()) {
                    if (rows == 1) {
                        answer(statement.getResultSet(), sql, data);
                        return;
                    }
                    try (ResultSet changed = statement.getResultSet()) {
                        count += changed.next() ? changed.getLong(1) : 0;
                    }
                } else {
                    count += Math.max(0, statement.getUpdateCount());
                }
            }
        }
        rowsChanged(data, sql, count);
    }

    /**
     * PUT: the answer that makes the driver copy the file itself into the stage's folder (stage type LOCAL_FS,
     * gzipped on the way when AUTO_COMPRESS, as it does for a cloud stage); the driver builds PUT's result.
     */
    private ObjectNode put(Session session, ObjectNode data, String sql) throws IOException {
        StageCommands.Put put = StageCommands.put(sql);
        Path folder = stageFolder(put.stage());
        java.nio.file.Files.createDirectories(folder);
        stageCommands.add(sql);
        data.put("command", "UPLOAD");
        data.putArray("src_locations").add(put.path());
        data.put("autoCompress", put.autoCompress());
        data.put("sourceCompression", put.options().getOrDefault("source_compression", "auto_detect"));
        data.put("overwrite", put.overwrite());
        data.put("parallel", Integer.parseInt(put.options().getOrDefault("parallel", "4")));
        data.put("threshold", 200 * 1024 * 1024);
        data.put("clientShowEncryptionParameter", false);
        data.putNull("encryptionMaterial");
        ObjectNode stageInfo = data.putObject("stageInfo");
        stageInfo.put("locationType", "LOCAL_FS");
        stageInfo.put("location", folder.toAbsolutePath() + "/");
        stageInfo.put("path", "");
        stageInfo.putNull("region");
        stageInfo.put("isClientSideEncrypted", false);
        stageInfo.putObject("creds");
        data.put("statementTypeId", 0x7000 + 0x100 + 0x02);
        data.set("parameters", parameters(session));
        return success(data);
    }

    /**
     * COPY INTO a table from files on a stage, as DuckDB's CSV reader reads them with the file format options
     * given (those the pipeline uses; any other fails), in the session's transaction; the answer has a row
     * per file with rows_loaded, as Snowflake's, which the driver sums into executeUpdate's count.
     */
    private ObjectNode copyInto(Session session, ObjectNode data, String sql) throws SQLException, IOException {
        StageCommands.Copy copy = StageCommands.copy(sql);
        Map<String, String> format = copy.format();
        requireOption(format, "field_delimiter", ",", ",");
        requireOption(format, "field_optionally_enclosed_by", "none", "\"");
        requireOption(format, "escape", "none", "none");
        requireOption(format, "null_if", "\\N", "()");
        requireOption(format, "empty_field_as_null", "true", "true");
        requireOption(format, "skip_header", "0", "0");
        requireOption(format, "binary_format", "hex", "hex");
        // Dates, times and timestamps: Snowflake's AUTO detection (the default) or the exact forms the
        // pipeline's batch files are written in; DuckDB casts both from ISO text.
        acceptOption(format, "date_format", "YYYY-MM-DD");
        acceptOption(format, "time_format", "HH24:MI:SS.FF6");
        acceptOption(format, "timestamp_format", "YYYY-MM-DD HH24:MI:SS.FF6");
        String compression = format.getOrDefault("compression", "auto");
        if (!List.of("auto", "gzip", "none").contains(compression)) {
            throw new IllegalArgumentException("the emulator reads COMPRESSION = AUTO, GZIP or NONE, not " + compression);
        }
        if (!"abort_statement".equals(copy.options().getOrDefault("on_error", "abort_statement"))) {
            throw new IllegalArgumentException("the emulator loads with ON_ERROR = ABORT_STATEMENT only");
        }
        stageCommands.add(sql);
        List<String> columns = new ArrayList<>();
        Map<String, String> targetTypes = new java.util.HashMap<>();
        try (Statement statement = session.duckdb.createStatement();
             ResultSet shape = statement.executeQuery("select * from " + copy.table() + " limit 0")) {
            for (int i = 1; i <= shape.getMetaData().getColumnCount(); i++) {
                columns.add("'" + shape.getMetaData().getColumnName(i).replace("'", "''") + "': 'VARCHAR'");
                targetTypes.put(shape.getMetaData().getColumnName(i).toUpperCase(java.util.Locale.ROOT),
                        shape.getMetaData().getColumnTypeName(i));
            }
        }
        String insert = "insert into " + copy.table() + " select *";
        if (copy.select() != null) {
            // A select of the file's columns ($1, $2, ...) into the columns listed, each cast to its column's type
            // as Snowflake casts text on load; binary columns read with BINARY_FORMAT = HEX.
            List<String> expressions = EmulatedSql.topLevelList(copy.select());
            List<String> targets = EmulatedSql.topLevelList(copy.columns());
            if (expressions.size() != targets.size()) {
                throw new SQLException("COPY INTO " + copy.table() + ": " + targets.size() + " columns, "
                        + expressions.size() + " expressions in the select");
            }
            int fileColumns = 0;
            Matcher reference = Pattern.compile("\\$(\\d+)").matcher(copy.select());
            while (reference.find()) {
                fileColumns = Math.max(fileColumns, Integer.parseInt(reference.group(1)));
            }
            columns = new ArrayList<>();
            for (int i = 1; i <= fileColumns; i++) {
                columns.add("'c" + i + "': 'VARCHAR'");
            }
            List<String> selected = new ArrayList<>();
            for (int i = 0; i < expressions.size(); i++) {
                String expression = expressions.get(i).replaceAll("\\$(\\d+)", "c$1");
                String type = targetTypes.get(targets.get(i).replace("\"", "").toUpperCase(java.util.Locale.ROOT));
                // Text without an offset into a TIMESTAMP_TZ is in the session's time zone, UTC here.
                selected.add("BLOB".equals(type) ? "unhex(" + expression + ")"
                        : "TIMESTAMP WITH TIME ZONE".equals(type) ? "cast(" + expression + " || '+00:00' as timestamptz)"
                        : expression);
            }
            insert = "insert into " + copy.table() + " (" + copy.columns() + ") select " + String.join(", ", selected);
        }
        Pattern held = heldCopies;
        boolean waited = held != null && held.matcher(sql).find() && matchingCopies.incrementAndGet() > copiesPassing;
        if (waited) {
            copiesWaiting.incrementAndGet();
            try {
                copyRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            return load(session, data, copy, columns, insert, compression);
        } finally {
            if (waited) {
                copiesWaiting.decrementAndGet();
            }
        }
    }

    private ObjectNode load(Session session, ObjectNode data, StageCommands.Copy copy, List<String> columns,
                            String insert, String compression) throws SQLException, IOException {
        Path folder = stageFolder(copy.stage());
        ArrayNode rowset = JSON.createArrayNode();
        for (String file : copy.files()) {
            Path staged = folder.resolve(file);
            if (!java.nio.file.Files.isRegularFile(staged)) {
                throw new SQLException("Remote file '" + file + "' was not found. There are several potential causes.");
            }
            long loaded;
            try (Statement statement = session.duckdb.createStatement()) {
                loaded = statement.executeUpdate(insert + " from read_csv('"
                        + staged.toAbsolutePath().toString().replace("'", "''") + "', header = false, delim = ',', "
                        + "quote = '\"', escape = '\"', all_varchar = true, allow_quoted_nulls = false, compression = '"
                        + (compression.equals("auto") ? "auto" : compression) + "', max_line_size = 16777216, "
                        + "buffer_size = 33554432, columns = {" + String.join(", ", columns) + "})");
            }
            if (copy.purge()) {
                java.nio.file.Files.delete(staged);
            }
            rowset.addArray().add(file).add("LOADED").add(Long.toString(loaded)).add(Long.toString(loaded))
                    .add("1").add("0").addNull().addNull().addNull().addNull();
        }
        if (!session.autocommit) {
            session.uncommitted = true;
        }
        ArrayNode rowtype = data.putArray("rowtype");
        for (String name : List.of("file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
                "first_error", "first_error_line", "first_error_character", "first_error_column_name")) {
            ObjectNode column = rowtype.addObject().put("name", name).put("nullable", true);
            if (name.startsWith("rows_") || name.startsWith("error") || name.equals("first_error_line")
                    || name.equals("first_error_character")) {
                column.put("type", "fixed").put("precision", 19).put("scale", 0);
            } else {
                column.put("type", "text").put("length", 16_777_216);
            }
        }
        data.set("rowset", rowset);
        data.put("total", rowset.size());
        data.put("statementTypeId", 0x3000 + 0x600);
        data.set("parameters", parameters(session));
        return success(data);
    }

    /** A file format option the emulator reads at Snowflake's default (AUTO) or in the one form given. */
    private static void acceptOption(Map<String, String> options, String name, String supported) {
        String value = options.getOrDefault(name, "auto");
        if (!value.equals("auto") && !value.equals(supported)) {
            throw new IllegalArgumentException("the emulator reads " + name + " = AUTO or '" + supported + "' only, not " + value);
        }
    }

    /** REMOVE @stage/path/file: the staged file goes (the driver builds no result of its own for it here). */
    private ObjectNode remove(Session session, ObjectNode data, String sql) throws IOException {
        Matcher remove = Pattern.compile("(?is)\\s*remove\\s+(@\\S+/)([^/\\s;]+)\\s*;?\\s*").matcher(EmulatedSql.withoutComments(sql));
        if (!remove.matches()) {
            throw new IllegalArgumentException("not a REMOVE of one staged file: " + sql);
        }
        stageCommands.add(sql);
        boolean removed = java.nio.file.Files.deleteIfExists(stageFolder(remove.group(1)).resolve(remove.group(2)));
        ArrayNode rowtype = data.putArray("rowtype");
        rowtype.addObject().put("name", "name").put("type", "text").put("length", 16_777_216).put("nullable", true);
        rowtype.addObject().put("name", "result").put("type", "text").put("length", 16_777_216).put("nullable", true);
        ArrayNode rowset = data.putArray("rowset");
        if (removed) {
            rowset.addArray().add(remove.group(2)).add("removed");
        }
        data.put("total", rowset.size());
        data.put("statementTypeId", 0x7000 + 0x100 + 0x04);
        data.set("parameters", parameters(session));
        return success(data);
    }

    /** A file format option the emulator reads only in the form given (its value, or Snowflake's default). */
    private static void requireOption(Map<String, String> options, String name, String snowflakeDefault, String supported) {
        String value = options.getOrDefault(name, snowflakeDefault);
        if (!value.equals(supported)) {
            throw new IllegalArgumentException("the emulator reads " + name + " = " + supported + " only, not " + value);
        }
    }

    /** A table created anew or dropped: its table stage ({@code @%table}) goes with it, as in Snowflake. */
    private void replacedTable(String sql) {
        Matcher table = Pattern.compile("(?is)\\s*(?:create\\s+or\\s+replace\\s+(?:transient\\s+)?table|drop\\s+table"
                + "(?:\\s+if\\s+exists)?)\\s+([^\\s(]+).*").matcher(EmulatedSql.withoutComments(sql));
        if (table.matches()) {
            String name = table.group(1);
            int dot = name.lastIndexOf('.');
            Path folder = stageFolder("@" + (dot < 0 ? "%" + name : name.substring(0, dot + 1) + "%" + name.substring(dot + 1)));
            if (java.nio.file.Files.isDirectory(folder)) {
                try (var files = java.nio.file.Files.list(folder)) {
                    for (Path file : files.toList()) {
                        java.nio.file.Files.delete(file);
                    }
                    java.nio.file.Files.delete(folder);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    /** A stage's folder: {@code @"_PIPELINE".%"SNAPSHOT_FILM"} as {@code _PIPELINE.table-SNAPSHOT_FILM}. */
    private Path stageFolder(String stage) {
        String name = stage.replaceFirst("^@", "").replace("\"", "").replace("%", "table-")
                .replaceAll("[^A-Za-z0-9_.$-]", "_");
        return stages.resolve(name);
    }

    /** The query requests since {@code from} (the latest 200,000 at most), in order. */
    public List<Request> requestsSince(java.time.Instant from) {
        return requestLog.stream().filter(statement -> !statement.at().isBefore(from)).toList();
    }

    /** The PUT and COPY INTO statements run, in order. */
    public List<String> stageCommands() {
        return List.copyOf(stageCommands);
    }

    /** A query's rows, or a DML statement's count when DuckDB answers it as a result (MERGE, INSERT ... RETURNING). */
    private static void answer(ResultSet rows, String sql, ObjectNode data) throws SQLException {
        try (rows) {
            long type = EmulatedSql.statementType(sql);
            if (type != 4096 && type != 24576) {
                rowsChanged(data, sql, rows.next() ? rows.getLong(1) : 0);
                return;
            }
            EmulatedSql.result(rows, data);
            data.put("statementTypeId", 4096);
        }
    }

    /** A DML statement's answer: one row with the number of rows it changed (the driver sums the first row). */
    private static void rowsChanged(ObjectNode data, String sql, long count) {
        data.putArray("rowtype").addObject().put("name", "number of rows changed").put("type", "fixed")
                .put("precision", 19).put("scale", 0).put("nullable", false);
        data.putArray("rowset").addArray().add(Long.toString(count));
        data.put("total", 1);
        data.put("statementTypeId", EmulatedSql.statementType(sql));
    }

    /** SHOW PARAMETERS LIKE '...' IN SESSION, for the session parameters the emulator has. */
    private ObjectNode showParameter(Session session, ObjectNode data, String sql) {
        Matcher like = Pattern.compile("(?is)\\s*show\\s+parameters\\s+like\\s+'([^']+)'\\s+in\\s+session\\s*").matcher(sql);
        if (!like.matches()) {
            failures.add("the emulator shows only session parameters <- " + sql);
            return failure("001003", "SQL compilation error: the emulator shows only session parameters", "42000");
        }
        ArrayNode rowtype = data.putArray("rowtype");
        for (String column : List.of("key", "value", "default", "level", "description", "type")) {
            rowtype.addObject().put("name", column).put("type", "text").put("length", 1024).put("nullable", true);
        }
        ArrayNode rowset = data.putArray("rowset");
        for (JsonNode parameter : parameters(session)) {
            if (parameter.path("name").asText().equalsIgnoreCase(like.group(1))) {
                String value = parameter.path("value").asText();
                rowset.addArray().add(parameter.path("name").asText()).add(value).add(value).add("").add("").add("NUMBER");
            }
        }
        data.put("total", rowset.size());
        data.put("statementTypeId", 4096);
        data.set("parameters", parameters(session));
        return success(data);
    }

    private ObjectNode statusOnly(Session session, ObjectNode data, String sql) {
        data.putArray("rowtype").addObject().put("name", "status").put("type", "text").put("length", 256);
        data.putArray("rowset").addArray().add("Statement executed successfully.");
        data.put("total", 1);
        data.put("statementTypeId", EmulatedSql.statementType(sql));
        data.set("parameters", parameters(session));
        return success(data);
    }

    /**
     * The session parameters, echoed in every answer: an empty list makes the driver re-apply the login's,
     * which would reset AUTOCOMMIT after setAutoCommit(false).
     */
    private ArrayNode parameters(Session session) {
        ArrayNode parameters = JSON.createArrayNode();
        parameters.addObject().put("name", "AUTOCOMMIT").put("value", session == null || session.autocommit);
        parameters.addObject().put("name", "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD").put("value", stageBindingThreshold);
        parameters.addObject().put("name", "TIMEZONE").put("value", "UTC");
        parameters.addObject().put("name", "CLIENT_SESSION_KEEP_ALIVE").put("value", false);
        return parameters;
    }

    private static ObjectNode failure(String code, String message, String sqlState) {
        ObjectNode failure = JSON.createObjectNode();
        failure.put("success", false);
        failure.put("code", code);
        failure.put("message", message);
        failure.putObject("data").put("sqlState", sqlState).put("errorCode", code);
        return failure;
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

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // A session's connection at the end of the emulator's life.
        }
    }

    @Override
    public void close() throws SQLException {
        server.stop(0);
        threads.shutdownNow();
        sessions.values().forEach(session -> closeQuietly(session.duckdb));
        sessions.clear();
        duckdb.close();
    }
}
