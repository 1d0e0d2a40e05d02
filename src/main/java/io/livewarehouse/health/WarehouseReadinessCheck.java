package io.livewarehouse.health;

import io.livewarehouse.warehouse.Warehouse;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Ready only while the warehouse accepts a query. */
@Readiness
@ApplicationScoped
public class WarehouseReadinessCheck implements HealthCheck {

    private final Warehouse warehouse;

    public WarehouseReadinessCheck(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("warehouse")
                .withData("warehouse", warehouse.describe());
        try (Connection connection = warehouse.connect();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select 1")) {
            result.next();
            return response.up().build();
        } catch (Exception e) {
            return response.withData("error", String.valueOf(e.getMessage())).down().build();
        }
    }
}
