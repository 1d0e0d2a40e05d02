package io.livewarehouse.source;

import io.livewarehouse.config.SourceSettings;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Plain JDBC connections to the source, for the health check, the traffic simulator and the snapshot copy
 * (Debezium opens its own).
 */
@ApplicationScoped
public class SourceConnections {

    private final SourceSettings settings;

    public SourceConnections(SourceSettings settings) {
        this.settings = settings;
    }

    public Connection open() throws SQLException {
        return PostgresJdbc.connect(settings.jdbcUrl(), properties("live-warehouse"));
    }

    /**
     * A replication connection (replication=database, simple query protocol), for creating a slot whose
     * exported snapshot the snapshot copy reads.
     */
    public Connection openReplication() throws SQLException {
        Properties properties = properties("live-warehouse snapshot");
        properties.setProperty("replication", "database");
        properties.setProperty("assumeMinServerVersion", "10");
        properties.setProperty("preferQueryMode", "simple");
        return PostgresJdbc.connect(settings.jdbcUrl(), properties);
    }

    private Properties properties(String applicationName) {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user());
        settings.password().ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("ApplicationName", applicationName);
        properties.setProperty("connectTimeout", "5");
        return properties;
    }

    public SourceSettings settings() {
        return settings;
    }

    /** Quotes an identifier for the source PostgreSQL (names come from the configuration, never from users). */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
