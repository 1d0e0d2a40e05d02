package io.livewarehouse.warehouse;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The run log of what happened to the capture ({@code _pipeline.operations}): starts, refusals, a lost slot
 * and what was done about it, tables added, resynced or no longer captured, the source going away and coming
 * back. Shown on the pipeline page; an operator reads it to know what the pipeline did while nobody watched.
 *
 * <p>Written in a transaction of its own, after the fact: a warehouse that cannot take the line costs a WARN,
 * never the operation itself.
 */
@ApplicationScoped
public class OperationLog {

    private static final Logger LOG = Logger.getLogger(OperationLog.class);

    private final Warehouse warehouse;
    private final WarehouseSetup setup;

    public OperationLog(Warehouse warehouse, WarehouseSetup setup) {
        this.warehouse = warehouse;
        this.setup = setup;
    }

    /** Records one operation; {@code table} (schema.table) may be null. */
    public void record(String operation, String table, String detail) {
        try {
            setup.ensure();
            try (Connection connection = warehouse.connect();
                 PreparedStatement insert = connection.prepareStatement(warehouse.dialect().statement("insert-operation"))) {
                warehouse.dialect().bind(insert, 1, OffsetDateTime.now(ZoneOffset.UTC));
                insert.setString(2, operation);
                insert.setString(3, table);
                insert.setString(4, detail == null || detail.length() <= 4000 ? detail : detail.substring(0, 4000));
                insert.executeUpdate();
            }
        } catch (Exception e) {
            LOG.warnf("Could not record \"%s\" in _pipeline.operations: %s", operation, e.getMessage());
        }
    }
}
