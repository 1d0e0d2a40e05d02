package io.livewarehouse.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens PostgreSQL connections through the driver class itself. {@code DriverManager} only hands out drivers
 * visible to the caller's class loader, which under Quarkus' test and dev-mode class loaders is not always the
 * one that registered the driver ("No suitable driver").
 */
public final class PostgresJdbc {

    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

    private PostgresJdbc() {
    }

    public static Connection connect(String url, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null && !password.isEmpty()) {
            properties.setProperty("password", password);
        }
        return connect(url, properties);
    }

    public static Connection connect(String url, Properties properties) throws SQLException {
        Connection connection = DRIVER.connect(url, properties);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + url);
        }
        return connection;
    }
}
