package io.livewarehouse.warehouse;

import io.livewarehouse.config.PipelineSettings;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.jboss.logging.Logger;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Keeps the run log to {@code pipeline.retention.run-log-days}: every mart cycle and data test run adds rows
 * to {@code _pipeline.model_runs}, {@code data_test_results} and {@code data_test_runs}, which would grow for
 * ever. Quarkus Scheduler starts it on a cron ({@code pipeline.retention.cron}, a wall-clock time, not an
 * interval; a run still going when the next is due is skipped); the route {@code run-log-retention}
 * (routes/retention.yaml) runs the deletes with camel-jdbc, the cutoff bound as a parameter. Operations,
 * table syncs and dead letters are kept: they are few, and an operator's record.
 */
@ApplicationScoped
@Named("runLogRetention")
public class RunLogRetention {

    private static final Logger LOG = Logger.getLogger(RunLogRetention.class);
    static final String ROUTE = "direct:run-log-retention";
    /** The statements the route runs, each with the named parameter {@code :?cutoff}. */
    static final List<String> STATEMENTS = List.of("expire-model-runs", "expire-data-test-results", "expire-data-test-runs");

    private final ProducerTemplate routes;
    private final WarehouseDialect dialect;
    private final Duration keep;

    public RunLogRetention(ProducerTemplate routes, Warehouse warehouse,
                           PipelineSettings settings) {
        this.routes = routes;
        this.dialect = warehouse.dialect();
        this.keep = Duration.ofDays(settings.retention().runLogDays());
    }

    @Scheduled(identity = "run-log-retention", cron = "{pipeline.retention.cron}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            run();
        } catch (RuntimeException e) {
            // The run log is the pipeline's own record: its retention failing is reported, and tried again next time.
            LOG.warnf("Run log retention failed: %s", io.livewarehouse.support.Messages.of(e));
        }
    }

    /** One retention run, now. */
    public void run() {
        routes.sendBody(ROUTE, null);
    }

    /** Route step: the cutoff (header {@code cutoff}) and, as the body, the statements to run. */
    public List<String> prepare(Exchange exchange) {
        exchange.getMessage().setHeader("cutoff", Timestamp.from(Instant.now().minus(keep)));
        return STATEMENTS.stream().map(dialect::statement).toList();
    }
}
