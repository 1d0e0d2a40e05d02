package io.livewarehouse.marts;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.sql.SQLException;
import java.util.List;

/**
 * Mart cycles on demand, beside the timer: {@code POST /pipeline/marts/refresh} runs one incremental cycle
 * now; {@code POST /pipeline/marts/rebuild} rebuilds every mart from all of staging (after a model's logic
 * changed). Both answer when done, with how long it took and which models failed.
 */
@Path("/pipeline/marts")
@Produces(MediaType.APPLICATION_JSON)
public class MartsResource {

    /** A finished cycle: its duration and the models that failed or were held back. */
    public record Cycle(long durationMillis, List<String> failedOrSkipped) {
    }

    /** Where the changes of a cycle go on (routes/marts.yaml: the Parquet exports), as the timer's cycles do. */
    static final String MARTS_CHANGED = "direct:marts-changed";

    private final MartRunner runner;
    private final org.apache.camel.ProducerTemplate routes;

    public MartsResource(MartRunner runner, org.apache.camel.ProducerTemplate routes) {
        this.runner = runner;
        this.routes = routes;
    }

    @POST
    @Path("/refresh")
    public Cycle refresh() throws SQLException {
        long started = System.nanoTime();
        changed(runner.refresh());
        return new Cycle((System.nanoTime() - started) / 1_000_000, runner.lastFailures());
    }

    @POST
    @Path("/rebuild")
    public Cycle rebuild() throws SQLException {
        long started = System.nanoTime();
        changed(runner.rebuild());
        return new Cycle((System.nanoTime() - started) / 1_000_000, runner.lastFailures());
    }

    private void changed(MartRunner.MartsChanged changed) {
        if (changed != null) {
            routes.sendBody(MARTS_CHANGED, changed);
        }
    }
}
