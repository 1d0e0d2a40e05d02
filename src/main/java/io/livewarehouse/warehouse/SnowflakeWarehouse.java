package io.livewarehouse.warehouse;

import io.livewarehouse.config.WarehouseSettings;
import org.jboss.logging.Logger;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Properties;

/**
 * Snowflake through the Snowflake JDBC driver. A login costs a round trip and a session, and the pipeline
 * asks for a connection per staging batch and per mart cycle, so closed connections go back to a small pool
 * (checked with the driver's heartbeat before reuse) instead of logging out.
 *
 * <p>The session is set up for the pipeline's SQL: UTC as its time zone (instants are bound and read as
 * such), JSON results (the driver then needs no Arrow memory), and the platform detection off, which
 * otherwise probes cloud metadata hosts at every login.
 */
final class SnowflakeWarehouse implements Warehouse {

    private static final Logger LOG = Logger.getLogger(SnowflakeWarehouse.class);
    private static final int POOL_SIZE = 4;

    private final String url;
    /** The URL as messages name it: without its parameters. */
    private final String shownUrl;
    private final Properties properties;
    private final String describe;
    private final String user;
    private final String role;
    private final boolean keyPair;
    private final SnowflakeDialect dialect;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private Driver driver;
    private volatile boolean thresholdRead;

    /**
     * @param cacheDirectory where the driver keeps its caches (OCSP responses, credentials), which it would
     *                       otherwise write under the user's home directory (~/.cache/snowflake), even with
     *                       ssl=off: a container's home may be read-only or shared. System properties, so
     *                       set before the driver first loads and only when not set already.
     */
    SnowflakeWarehouse(WarehouseSettings.Snowflake settings, Path cacheDirectory) {
        try {
            Files.createDirectories(cacheDirectory);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot create the Snowflake driver's cache folder " + cacheDirectory, e);
        }
        String cache = cacheDirectory.toAbsolutePath().toString();
        for (String property : List.of("net.snowflake.jdbc.ocspResponseCacheDir", "net.snowflake.jdbc.temporaryCredentialCacheDir")) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, cache);
            }
        }
        this.dialect = new SnowflakeDialect(settings.stagingSchema(), settings.martsSchema(), settings.pipelineSchema());
        this.dialect.copyBatchRows(settings.copyBatchRows());
        this.url = url(settings);
        this.shownUrl = url.replaceAll("\\?.*", "");
        this.properties = properties(settings);
        this.user = settings.user().orElse("?");
        this.role = settings.role().map(name -> "role " + name).orElse("the user's default role");
        this.keyPair = settings.privateKeyFile().isPresent();
        this.describe = "Snowflake " + shownUrl + " database " + settings.database()
                + " as " + user + " (" + authentication(settings) + ")";
    }

    /** The JDBC URL: the one configured, or the account's. */
    static String url(WarehouseSettings.Snowflake settings) {
        if (settings.url().isPresent()) {
            return settings.url().get();
        }
        String account = settings.account().orElseThrow(() -> new IllegalStateException(
                "pipeline.warehouse.kind=snowflake needs pipeline.warehouse.snowflake.account (or .url)"));
        return "jdbc:snowflake://" + account + ".snowflakecomputing.com/";
    }

    /** The connection properties; secrets come from the settings, which take them from the environment. */
    static Properties properties(WarehouseSettings.Snowflake settings) {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user().orElseThrow(() -> new IllegalStateException(
                "pipeline.warehouse.kind=snowflake needs pipeline.warehouse.snowflake.user")));
        properties.setProperty("db", settings.database());
        properties.setProperty("schema", settings.stagingSchema());
        settings.role().ifPresent(role -> properties.setProperty("role", role));
        settings.warehouse().ifPresent(warehouse -> properties.setProperty("warehouse", warehouse));
        if (settings.privateKeyFile().isPresent()) {
            Path key = Path.of(settings.privateKeyFile().get());
            if (!Files.isReadable(key)) {
                throw new IllegalStateException("pipeline.warehouse.snowflake.private-key-file " + key
                        + " cannot be read");
            }
            properties.setProperty("authenticator", "SNOWFLAKE_JWT");
            properties.setProperty("private_key_file", key.toAbsolutePath().toString());
            settings.privateKeyPassphrase().ifPresent(passphrase -> properties.setProperty("private_key_pwd", passphrase));
        } else if (settings.password().isPresent()) {
            properties.setProperty("password", settings.password().get());
        } else {
            throw new IllegalStateException("pipeline.warehouse.kind=snowflake needs a key pair "
                    + "(pipeline.warehouse.snowflake.private-key-file) or PIPELINE_WAREHOUSE_SNOWFLAKE_PASSWORD");
        }
        properties.setProperty("loginTimeout", Integer.toString(settings.loginTimeoutSeconds()));
        properties.setProperty("disablePlatformDetection", "true");
        // Unknown properties are session parameters for the driver.
        properties.setProperty("TIMEZONE", "UTC");
        properties.setProperty("JDBC_QUERY_RESULT_FORMAT", "JSON");
        properties.setProperty("CLIENT_SESSION_KEEP_ALIVE", "true");
        return properties;
    }

    private static String authentication(WarehouseSettings.Snowflake settings) {
        return settings.privateKeyFile().isPresent() ? "key pair" : "password";
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public WarehouseDialect dialect() {
        return dialect;
    }

    /**
     * A pooled session if one is still valid, else a new login. The login runs outside the pool's lock: while
     * Snowflake cannot be reached it takes up to the login timeout, and other callers (the readiness probe)
     * must not queue behind it.
     */
    @Override
    public Connection connect() throws SQLException {
        Connection pooled;
        while ((pooled = takeIdle()) != null) {
            if (isUsable(pooled)) {
                return lease(pooled);
            }
            closeQuietly(pooled);
        }
        Connection connection;
        try {
            connection = driver().connect(url, properties);
        } catch (SQLException e) {
            throw actionable(e);
        }
        if (connection == null) {
            throw new SQLException("the Snowflake driver does not accept " + url);
        }
        if (!thresholdRead) {
            readStageBindingThreshold(connection);
        }
        return lease(connection);
    }

    /** The session's CLIENT_STAGE_ARRAY_BINDING_THRESHOLD, for the dialect to keep batches below it. */
    private void readStageBindingThreshold(Connection connection) {
        try (Statement statement = connection.createStatement();
             java.sql.ResultSet row = statement.executeQuery(
                     "show parameters like 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD' in session")) {
            if (row.next()) {
                int threshold = Integer.parseInt(row.getString("value").trim());
                dialect.stageBindingThreshold(threshold);
                LOG.debugf("Snowflake's CLIENT_STAGE_ARRAY_BINDING_THRESHOLD is %d", threshold);
            }
        } catch (SQLException | NumberFormatException e) {
            LOG.warnf("Could not read CLIENT_STAGE_ARRAY_BINDING_THRESHOLD (%s); batches stay below Snowflake's default",
                    e.getMessage());
        }
        thresholdRead = true;
    }

    private synchronized Connection takeIdle() {
        return idle.poll();
    }

    private synchronized Driver driver() {
        if (driver == null) {
            driver = new net.snowflake.client.api.driver.SnowflakeDriver();
        }
        return driver;
    }

    /**
     * The failures an operator can mend, as one message that says what to check; others keep the driver's
     * own message. Seen against the emulator and a closed port with snowflake-jdbc 4.4.1: an unreachable
     * account is SQLState 58030 after the driver's retries; a rejected login is error 390144 (key pair) or
     * 390100 (password); a missing privilege is 003001 with SQLState 42501, on the statement that needed it.
     */
    SQLException actionable(SQLException e) {
        String message;
        if ("58030".equals(e.getSQLState())) {
            message = "Snowflake at " + shownUrl + " cannot be reached: check pipeline.warehouse.snowflake.account (or .url), "
                    + "the network and any proxy";
        } else if (e.getErrorCode() == 390144 || e.getErrorCode() == 390100 || e.getErrorCode() == 390101) {
            message = "Snowflake at " + shownUrl + " rejected the login of " + user + ": " + (keyPair
                    ? "check that pipeline.warehouse.snowflake.private-key-file (and PIPELINE_WAREHOUSE_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE) "
                            + "is the pair of the public key set on the user (ALTER USER " + user + " SET RSA_PUBLIC_KEY = ...)"
                    : "check pipeline.warehouse.snowflake.user and PIPELINE_WAREHOUSE_SNOWFLAKE_PASSWORD");
        } else if (e.getErrorCode() == 3001 || "42501".equals(e.getSQLState())) {
            message = "Snowflake refused a statement to " + role + " for lack of a privilege: grant it what docs/snowflake.md "
                    + "lists (grants); the work is retried until it succeeds";
        } else {
            return e;
        }
        return new SQLException(message + " (" + e.getMessage().strip() + ")", e.getSQLState(), e.getErrorCode(), e);
    }

    private static boolean isUsable(Connection connection) {
        try {
            return !connection.isClosed() && connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * A view of the connection whose close() returns it to the pool, in autocommit as it came. Its statements
     * are views too, so that every failure of the pipeline's SQL passes through {@link #actionable}.
     */
    private Connection lease(Connection physical) {
        boolean[] returned = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, arguments) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        if (!returned[0]) {
                            returned[0] = true;
                            giveBack(physical);
                        }
                        return null;
                    }
                    if (method.getName().equals("isClosed") && method.getParameterCount() == 0 && returned[0]) {
                        return true;
                    }
                    if (returned[0]) {
                        throw new SQLException("connection already closed");
                    }
                    Object result = invoke(physical, method, arguments);
                    if (result instanceof Statement statement && method.getReturnType().isInterface()) {
                        return explaining(statement, method.getReturnType());
                    }
                    return result;
                });
    }

    private Object explaining(Statement statement, Class<?> type) {
        return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, arguments) -> invoke(statement, method, arguments));
    }

    private Object invoke(Object target, java.lang.reflect.Method method, Object[] arguments) throws Throwable {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof SQLException failure ? actionable(failure) : e.getCause();
        }
    }

    private synchronized void giveBack(Connection physical) {
        try {
            if (!physical.isClosed() && !physical.getAutoCommit()) {
                physical.rollback();
                physical.setAutoCommit(true);
            }
            if (!physical.isClosed() && idle.size() < POOL_SIZE) {
                idle.push(physical);
                return;
            }
        } catch (SQLException e) {
            LOG.debugf("A Snowflake connection could not be reset and is closed: %s", e.getMessage());
        }
        closeQuietly(physical);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a Snowflake connection: %s", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        idle.forEach(SnowflakeWarehouse::closeQuietly);
        idle.clear();
    }
}
