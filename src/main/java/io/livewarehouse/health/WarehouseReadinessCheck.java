package io.livewarehouse.health;

import io.livewarehouse.warehouse.Warehouse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.sql.Connection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ready only while the warehouse answers (its dialect's probe: a query, or on Snowflake the session
 * heartbeat, which wakes no virtual warehouse). The probe runs on its own thread and the check waits for it
 * at most {@link #WAIT_SECONDS}: against a Snowflake account that cannot be reached a login takes up to its
 * timeout, and an orchestrator's probe must get an answer before its own. A query still running is not
 * started again; the probe then reports DOWN with the last failure seen.
 */
@Readiness
@ApplicationScoped
public class WarehouseReadinessCheck implements HealthCheck {

    static final int WAIT_SECONDS = 5;

    private final Warehouse warehouse;
    private final ExecutorService prober = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "warehouse-readiness");
        thread.setDaemon(true);
        return thread;
    });
    private Future<String> probe;
    private volatile String lastFailure;

    public WarehouseReadinessCheck(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    @Override
    public synchronized HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("warehouse")
                .withData("warehouse", warehouse.describe());
        if (probe == null || probe.isDone()) {
            probe = prober.submit(this::query);
        }
        try {
            String failure = probe.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return failure == null ? response.up().build() : response.withData("error", failure).down().build();
        } catch (TimeoutException e) {
            return response.withData("error", "no answer within " + WAIT_SECONDS + " s"
                    + (lastFailure == null ? "" : "; last failure: " + lastFailure)).down().build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return response.withData("error", "interrupted").down().build();
        } catch (ExecutionException e) {
            return response.withData("error", String.valueOf(e.getCause())).down().build();
        }
    }

    /** Runs the query; the failure's message, or null when the warehouse answered. */
    private String query() {
        try (Connection connection = warehouse.connect()) {
            // The dialect's probe: on Snowflake the session heartbeat, which wakes no virtual warehouse.
            warehouse.dialect().probe(connection);
            lastFailure = null;
            return null;
        } catch (Exception e) {
            lastFailure = String.valueOf(e.getMessage());
            return lastFailure;
        }
    }

    @PreDestroy
    void stop() {
        prober.shutdownNow();
    }
}
