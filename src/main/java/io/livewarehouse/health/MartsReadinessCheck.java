package io.livewarehouse.health;

import io.livewarehouse.marts.MartRunner;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** How current the marts are, and DOWN while a model failed in the last refresh cycle. */
@Readiness
@ApplicationScoped
public class MartsReadinessCheck implements HealthCheck {

    private final MartRunner runner;

    public MartsReadinessCheck(MartRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("marts")
                .withData("lastRefreshAt", String.valueOf(runner.lastCycleAt()))
                .withData("appliedSourceCommit", String.valueOf(runner.appliedSourceCommit()))
                .withData("freshnessSeconds", String.valueOf(runner.freshnessSeconds()));
        if (!runner.lastFailures().isEmpty()) {
            return response.withData("failedOrSkipped", String.join(", ", runner.lastFailures())).down().build();
        }
        return response.up().build();
    }
}
