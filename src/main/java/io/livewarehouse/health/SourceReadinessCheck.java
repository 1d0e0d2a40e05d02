package io.livewarehouse.health;

import io.livewarehouse.source.ReplicationSlot;
import io.livewarehouse.source.SourceConnections;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Ready only while the source PostgreSQL answers, and it says whether logical decoding is possible. */
@Readiness
@ApplicationScoped
public class SourceReadinessCheck implements HealthCheck {

    private final SourceConnections source;
    private final ReplicationSlot slot;

    public SourceReadinessCheck(SourceConnections source, ReplicationSlot slot) {
        this.source = source;
        this.slot = slot;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("source")
                .withData("host", source.settings().host())
                .withData("port", source.settings().port())
                .withData("database", source.settings().database());
        try (Connection connection = source.open();
             Statement statement = connection.createStatement();
             ResultSet settings = statement.executeQuery(
                     "select current_setting('server_version'), current_setting('wal_level')")) {
            settings.next();
            String walLevel = settings.getString(2);
            response.withData("serverVersion", settings.getString(1)).withData("walLevel", walLevel);
            if (!"logical".equals(walLevel)) {
                return response.withData("error", "wal_level must be logical for change data capture").down().build();
            }
            ReplicationSlot.State state = slot.read();
            response.withData("slot", slot.name()).withData("slotActive", state.active());
            if (state.exists()) {
                response.withData("replicationLagBytes", state.lagBytes()).withData("walRetainedBytes", state.retainedBytes());
            }
            return response.up().build();
        } catch (Exception e) {
            // The driver's message names host and port, never the password.
            return response.withData("error", e.getMessage()).down().build();
        }
    }
}
