package io.livewarehouse.health;

import io.livewarehouse.marts.DataTests;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while a data test fails: the marts are then not to be trusted, although the process is healthy (so
 * this is a readiness check, never liveness).
 */
@Readiness
@ApplicationScoped
public class DataTestsReadinessCheck implements HealthCheck {

    private final DataTests dataTests;

    public DataTestsReadinessCheck(DataTests dataTests) {
        this.dataTests = dataTests;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("data-tests")
                .withData("lastRunAt", String.valueOf(dataTests.lastRunAt()))
                .withData("tests", dataTests.lastResults().size());
        var failing = dataTests.failing();
        if (failing.isEmpty()) {
            return response.up().build();
        }
        failing.forEach(result -> response.withData(result.model() + "." + result.test(),
                result.status() + (result.detail() == null ? ", failing rows " + result.failingRows() : ", " + result.detail())));
        return response.down().build();
    }
}
