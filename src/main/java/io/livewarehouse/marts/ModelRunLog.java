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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The models' watermarks ({@code _pipeline.model_watermarks}: how far each has read staging, by load time) and
 * the run log ({@code _pipeline.model_runs}: one row per model run). A watermark moves, and its run's row is
 * written, in the transaction of the model's changes: at once for a model in a transaction of its own, and for
 * the models of a one-transaction cycle together before it commits ({@link #defer}, {@link #writeDeferred}).
 */
final class ModelRunLog {

    private static final Logger LOG = Logger.getLogger(ModelRunLog.class);

    private final WarehouseDialect dialect;
    /** The runs of the open cycle transaction whose watermark and run-log row are not written yet. */
    private final List<Run> deferred = new ArrayList<>();

    /** A model's run: its watermark moves to {@code through} and its run-log row says the rest. */
    private record Run(String model, OffsetDateTime started, OffsetDateTime finished, OffsetDateTime from,
                       OffsetDateTime through, long rows) {
    }

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

    /**
     * Notes a successful run in the open cycle transaction, for {@link #writeDeferred} to write before that
     * transaction commits. Three statements per model (a watermark's delete and insert, a run-log row) were a
     * third of a one-change cycle on DuckDB, each statement about 1 ms whatever it writes; together they cost
     * three statements a cycle.
     */
    void defer(String model, OffsetDateTime started, OffsetDateTime from, OffsetDateTime through, long rows) {
        deferred.add(new Run(model, started, OffsetDateTime.now(ZoneOffset.UTC), from, through, rows));
    }

    /**
     * Writes the deferred runs' watermarks and run-log rows, in the open transaction: before every commit of a
     * cycle transaction (its end, and an incremental model's early commit of its new table), so that no model's
     * changes commit without its watermark.
     */
    void writeDeferred(StatementCache statements) throws SQLException {
        if (deferred.isEmpty()) {
            return;
        }
        int count = deferred.size();
        PreparedStatement delete = statements.prepare(dialect.statement("delete-watermarks-of",
                Map.of("models", String.join(", ", java.util.Collections.nCopies(count, "?")))));
        for (int i = 0; i < count; i++) {
            delete.setString(i + 1, deferred.get(i).model());
        }
        delete.executeUpdate();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        PreparedStatement watermarks = statements.prepare(dialect.statement("insert-watermarks",
                Map.of("rows", String.join(", ", java.util.Collections.nCopies(count, "(?, ?, ?)")))));
        int index = 1;
        for (Run run : deferred) {
            watermarks.setString(index++, run.model());
            dialect.bind(watermarks, index++, run.through());
            dialect.bind(watermarks, index++, now);
        }
        watermarks.executeUpdate();
        try {
            PreparedStatement runs = statements.prepare(dialect.statement("insert-model-runs",
                    Map.of("rows", String.join(", ", java.util.Collections.nCopies(count, "(?, ?, ?, ?, ?, ?, ?, ?)")))));
            index = 1;
            for (Run run : deferred) {
                runs.setString(index++, run.model());
                dialect.bind(runs, index++, run.started());
                dialect.bind(runs, index++, run.finished());
                dialect.bind(runs, index++, run.from());
                dialect.bind(runs, index++, run.through());
                runs.setLong(index++, run.rows());
                runs.setString(index++, "ok");
                runs.setString(index++, null);
            }
            runs.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("Could not record the runs of %s in _pipeline.model_runs: %s",
                    deferred.stream().map(Run::model).toList(), e.getMessage());
        }
        deferred.clear();
    }

    /** The cycle transaction rolled back: its deferred runs did not happen. */
    void discardDeferred() {
        deferred.clear();
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
