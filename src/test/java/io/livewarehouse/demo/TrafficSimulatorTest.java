package io.livewarehouse.demo;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's simulated shop: off in tests unless asked, and when it runs, it really changes the source. */
@QuarkusTest
class TrafficSimulatorTest {

    @Inject
    TrafficSimulator simulator;

    @Inject
    SourceConnections source;

    @Inject
    CamelContext camel;

    @Test
    void isOffInTestsUnlessAsked() {
        assertThat(camel.getRouteController().getRouteStatus("traffic-simulator")).isEqualTo(ServiceStatus.Stopped);
    }

    @Test
    void ticksCommitInsertsUpdatesAndDeletesThatLeaveTheSourceConsistent() throws Exception {
        long rentalsBefore;
        long openBefore;
        try (Connection connection = source.open()) {
            rentalsBefore = (Long) SourceDatabases.single(connection, "select count(*) from public.rental where rental_date > '2020-01-01'");
            openBefore = (Long) SourceDatabases.single(connection, "select count(*) from public.rental where return_date is null");
        }
        for (int i = 0; i < 40; i++) {
            simulator.tick();
        }
        Map<TrafficSimulator.Change, Long> applied = simulator.applied();
        // 40 ticks of 5 changes: every kind of change happens.
        assertThat(applied.values()).allMatch(count -> count > 0);
        try (Connection connection = source.open()) {
            long rentalsNow = (Long) SourceDatabases.single(connection,
                    "select count(*) from public.rental where rental_date > '2020-01-01'");
            assertThat(rentalsNow).isPositive().isGreaterThan(rentalsBefore);
            // Returns were paid: a payment dated today for a rental returned today.
            assertThat((Long) SourceDatabases.single(connection, """
                    select count(*) from public.payment p join public.rental r on r.rental_id = p.rental_id
                    where r.return_date::date = current_date and p.payment_date::date = current_date""")).isPositive();
            // Customer moves changed addresses (last_update trigger fired), new customers have an address.
            assertThat((Long) SourceDatabases.single(connection,
                    "select count(*) from public.address where last_update::date = current_date")).isPositive();
            // A copy is never rented twice at once, however the simulator picked it.
            assertThat(SourceDatabases.single(connection,
                    "select count(*) from (select inventory_id from public.rental where return_date is null "
                            + "group by inventory_id having count(*) > 1) twice")).isEqualTo(0L);
            assertThat(openBefore).isPositive();
        }
    }
}
