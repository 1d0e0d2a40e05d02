package io.livewarehouse.warehouse;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The seam between the pipeline and the warehouse it writes to. Everything that differs between warehouses
 * (how to connect, types, bulk load, SQL dialect) lives behind it, never in scattered conditionals.
 */
public interface Warehouse extends AutoCloseable {

    /** A human-readable description for logs and health: never includes credentials. */
    String describe();

    /** How to speak to this warehouse. */
    WarehouseDialect dialect();

    /** A new connection; the caller closes it. */
    Connection connect() throws SQLException;

    /** Releases what the warehouse holds open; called when the application stops. */
    @Override
    void close() throws SQLException;
}
