package io.livewarehouse.staging;

import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One staging batch, written by {@link StagingWriter#write} under its lock: first every table's DDL, each
 * statement committed on its own, then in one transaction the rows of every table, the dead letters and,
 * when given, the Debezium offsets that cover them. The caller rolls back and restores the batch when this
 * throws.
 */
final class BatchTransaction {

    private static final Logger LOG = Logger.getLogger(BatchTransaction.class);

    private final WarehouseDialect dialect;
    private final StagingSchema schema;
    private final StagingAppend append;
    private final PoisonIsolation poison;
    private final OffsetsRepository offsets;
    private final MeterRegistry registry;
    /** Failures in a row after which a batch is taken apart to set aside what cannot be written. */
    private final int writeAttempts;

    BatchTransaction(WarehouseDialect dialect, StagingSchema schema, StagingAppend append, PoisonIsolation poison,
                     OffsetsRepository offsets, MeterRegistry registry, int writeAttempts) {
        this.dialect = dialect;
        this.schema = schema;
        this.append = append;
        this.poison = poison;
        this.offsets = offsets;
        this.registry = registry;
        this.writeAttempts = writeAttempts;
    }

    /** Writes the batch and {@code offsets} (null: none) and commits; {@code failedWrites}: failures in a row before. */
    void write(Connection connection, StagingBuffer.Batch batch, Map<String, String> offsets, OffsetDateTime loadedAt,
               int failedWrites) throws SQLException {
        List<DeadLetter> deadLetters = new ArrayList<>(batch.deadLetters());
        Map<String, List<StagedChange>> tables = batch.changes().stream().collect(
                Collectors.groupingBy(StagedChange::table, LinkedHashMap::new, Collectors.toList()));
        // Every table's DDL first, each statement committed on its own, before the batch's transaction:
        // in Snowflake a CREATE or ALTER commits the open transaction, which must not happen between
        // the batch's rows and its offsets; and DuckDB's Appender does not see a column added or
        // widened in its own transaction (it fails with "invalid column type"). Schema changes are
        // idempotent: if the batch then fails, they stay and the retry finds them done.
        connection.setAutoCommit(true);
        Map<String, LinkedHashMap<String, StagingColumn>> sourceColumns = new HashMap<>();
        for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
            sourceColumns.put(table.getKey(), schema.ensureColumns(connection, table.getKey(), table.getValue()));
        }
        schema.settled();
        if (poison.refused() != null) {
            throw new SQLException(poison.refused());
        }
        if (PoisonIsolation.due(failedWrites, writeAttempts)) {
            tables = poison.withoutPoison(connection, tables, sourceColumns, loadedAt, deadLetters, failedWrites);
        }
        connection.setAutoCommit(false);
        for (Map.Entry<String, List<StagedChange>> table : tables.entrySet()) {
            append.write(connection, table.getKey(), table.getValue(), sourceColumns.get(table.getKey()),
                    loadedAt, deadLetters);
        }
        DeadLetters.write(connection, dialect, deadLetters);
        if (offsets != null) {
            this.offsets.write(connection, offsets, loadedAt);
        }
        connection.commit();
        schema.settled();
        for (DeadLetter letter : deadLetters.subList(batch.deadLetters().size(), deadLetters.size())) {
            LOG.warnf("Dead letter: event of %s at LSN %s: %s", letter.table(), letter.lsn(), letter.error());
            registry.counter("pipeline.dead.letters", "table", letter.table(), "stage", "staging").increment();
        }
    }
}
