package io.livewarehouse.warehouse;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

/**
 * The warehouse as a {@link DataSource}, for Camel's {@code jdbc:warehouseDataSource} endpoint: each
 * connection is one {@link Warehouse#connect()} hands out (on DuckDB a duplicate of the one open file, on
 * Snowflake a session), so routes run SQL where the rest of the pipeline does.
 */
@ApplicationScoped
@Named("warehouseDataSource")
public class WarehouseDataSource implements DataSource {

    private final Warehouse warehouse;

    public WarehouseDataSource(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return warehouse.connect();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the warehouse's credentials come from pipeline.warehouse.*");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }
}
