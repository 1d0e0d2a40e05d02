package io.livewarehouse.health;

import io.livewarehouse.capture.CaptureStatus;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the Camel context runs and, whenever the CDC route runs, its Debezium engine runs too. Camel
 * does not restart an engine that died (retries used up, an error Debezium does not retry): only a restart
 * of the process brings it back, which is what an orchestrator does on liveness DOWN. A slow or unreachable
 * source or warehouse is not death: the engine retries, and readiness reports it.
 */
@Liveness
@ApplicationScoped
public class CaptureLivenessCheck implements HealthCheck {

    private final CamelContext camel;
    private final CaptureStatus capture;

    public CaptureLivenessCheck(CamelContext camel, CaptureStatus capture) {
        this.camel = camel;
        this.capture = capture;
    }

    @Override
    public HealthCheckResponse call() {
        ServiceStatus context = camel.getStatus();
        ServiceStatus route = camel.getRouteController().getRouteStatus(CaptureReadinessCheck.ROUTE);
        String engine = capture.engineState();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("capture-engine")
                .withData("camelContext", String.valueOf(context))
                .withData("route", String.valueOf(route))
                .withData("engine", engine);
        if (context != ServiceStatus.Started && context != ServiceStatus.Starting) {
            return response.down().build();
        }
        // Refused at start (a configuration or a lost slot to see to) is not death: a restart would not mend it.
        boolean engineDead = route == ServiceStatus.Started && capture.engineStopped() && !capture.engineRefused();
        return engineDead ? response.down().build() : response.up().build();
    }
}
