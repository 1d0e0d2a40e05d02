package io.livewarehouse.warehouse;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Creates the pipeline's schemas and {@code _pipeline} tables, once per process and from one place.
 *
 * <p>Why one place: the staging writer (on Debezium's thread) and the mart runner (on its timer) both need
 * them at start, and DuckDB fails one of two transactions that create the same schema at the same time
 * ("Catalog write-write conflict"), which took the change stream down once.
 */
@ApplicationScoped
public class WarehouseSetup {

    private final Warehouse warehouse;
    private volatile boolean ready;

    public WarehouseSetup(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    public void ensure() throws SQLException {
        if (ready) {
            return;
        }
        synchronized (this) {
            if (ready) {
                return;
            }
            try (Connection connection = warehouse.connect()) {
                warehouse.dialect().execute(connection, "create-schemas", "create-offsets", "create-dead-letters",
                        "create-staging-tables", "create-staging-columns", "create-model-watermarks", "create-model-runs",
                        "create-data-test-results", "create-data-test-runs", "create-table-syncs", "create-resyncs", "create-operations");
            }
            ready = true;
        }
    }
}
