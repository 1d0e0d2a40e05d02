package io.livewarehouse.marts;

import io.livewarehouse.support.StatementCache;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * The models' watermarks ({@code _pipeline.model_watermarks}: how far each has read staging, by load time) and
 * the run log ({@code _pipeline.model_runs}: one row per model run). A watermark moves, and its run's row is
 * written, in the transaction of the model's changes.
 */
final class ModelRunLog {

    private static final Logger LOG = Logger.getLogger(ModelRunLog.class);

    private final WarehouseDialect dialect;

    ModelRunLog(WarehouseDialect dialect) {
        this.dialect = dialect;
    }

    /** How far each model has read staging; a model that never ran is absent. */
    Map<String, OffsetDateTime> watermarks(StatementCache statements) throws SQLException {
        Map<String, OffsetDateTime> watermarks = new HashMap<>();
        try (ResultSet rows = statements.prepare(dialect.statement("read-watermarks")).executeQuery()) {
            while (rows.next()) {
                watermarks.put(rows.getString(1), dialect.instant(rows, 2));
            }
        }
        return watermarks;
    }

    /**
     * Drops these mart tables (in this order) and every model's watermark, in one transaction where the
     * warehouse allows DDL in one: what a rebuild starts from.
     */
    void dropWithWatermarks(Connection connection, java.util.List<String> tables) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            for (String table : tables) {
                statement.execute("drop table if exists " + dialect.quote(dialect.martsSchema()) + "." + dialect.quote(table));
            }
            statement.execute(dialect.statement("delete-all-watermarks"));
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            CurrentState.rollbackQuietly(connection, e);
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** How far the model has read staging, or null when it has never run. */
    OffsetDateTime watermark(Connection connection, String model) throws SQLException {
        try (PreparedStatement read = connection.prepareStatement(dialect.statement("read-watermark"))) {
            read.setString(1, model);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? dialect.instant(row, 1) : null;
            }
        }
    }

    /** Moves the model's watermark to {@code through}, in the open transaction. */
    void moveWatermark(StatementCache statements, String model, OffsetDateTime through) throws SQLException {
        PreparedStatement delete = statements.prepare(dialect.statement("delete-watermark"));
        delete.setString(1, model);
        delete.executeUpdate();
        PreparedStatement insert = statements.prepare(dialect.statement("insert-watermark"));
        insert.setString(1, model);
        dialect.bind(insert, 2, through);
        dialect.bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
        insert.executeUpdate();
    }

    /** One row of the run log; a failure to write it is logged, never the cycle's failure. */
    void record(StatementCache statements, String model, OffsetDateTime started, OffsetDateTime from,
                OffsetDateTime through, long rows, String status, String error) {
        try {
            PreparedStatement insert = statements.prepare(dialect.statement("insert-model-run"));
            insert.setString(1, model);
            dialect.bind(insert, 2, started);
            dialect.bind(insert, 3, OffsetDateTime.now(ZoneOffset.UTC));
            dialect.bind(insert, 4, from);
            dialect.bind(insert, 5, through);
            insert.setLong(6, rows);
            insert.setString(7, status);
            insert.setString(8, error);
            insert.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("Could not record the run of %s in _pipeline.model_runs: %s", model, e.getMessage());
        }
    }
}
