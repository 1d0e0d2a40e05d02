package io.livewarehouse.support;

import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One warehouse connection kept open with its prepared statements, by SQL text, for work that runs the same
 * statements again and again (the mart cycle). Preparing is where a small statement spends its time: DuckDB
 * parses, binds and plans a MERGE in about as long as it takes to run it over a window of a few rows, so a
 * cycle that prepares each statement once per process instead of once per run takes half the time.
 *
 * <p>The least recently used statements are closed beyond {@link #CAPACITY} (statement text changes with the
 * source schema). Whoever holds the cache closes it after a failure, so that no statement or connection left
 * in an unknown state is used again, and after DDL that drops what the statements read.
 */
public final class StatementCache implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StatementCache.class);
    static final int CAPACITY = 256;

    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= CAPACITY) {
                return false;
            }
            closeQuietly(eldest.getValue());
            return true;
        }
    };

    public StatementCache(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    /** The statement for this SQL, prepared on first use; its parameters are cleared. Not to be closed by callers. */
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        } else {
            statement.clearParameters();
        }
        return statement;
    }

    /** Closes every statement and the connection; errors are logged, not thrown (this runs after failures). */
    @Override
    public void close() {
        statements.values().forEach(StatementCache::closeQuietly);
        statements.clear();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a cached warehouse connection: %s", e.getMessage());
        }
    }

    private static void closeQuietly(PreparedStatement statement) {
        try {
            statement.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a cached statement: %s", e.getMessage());
        }
    }
}
