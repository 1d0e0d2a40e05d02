package io.livewarehouse.source;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/** Plain JDBC connections to the source, for the health check and the traffic simulator (not for CDC). */
@ApplicationScoped
public class SourceConnections {

    private final SourceSettings settings;

    public SourceConnections(SourceSettings settings) {
        this.settings = settings;
    }

    public Connection open() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user());
        settings.password().ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("ApplicationName", "live-warehouse");
        properties.setProperty("connectTimeout", "5");
        return PostgresJdbc.connect(settings.jdbcUrl(), properties);
    }

    public SourceSettings settings() {
        return settings;
    }

    /** Quotes an identifier for the source PostgreSQL (names come from the configuration, never from users). */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
