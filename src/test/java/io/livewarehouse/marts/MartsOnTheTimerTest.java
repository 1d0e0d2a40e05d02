package io.livewarehouse.marts;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.support.OwnCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The marts as a user runs them: the timer route refreshes them by itself, and source changes of every kind
 * (insert, update, delete) show in the marts within a bound.
 */
@QuarkusTest
@TestProfile(MartsOnTheTimerTest.TimerOn.class)
class MartsOnTheTimerTest {

    /** The refresh timer on, every second, with its own capture and warehouse. */
    public static class TimerOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("marts_timer",
                    "pipeline.marts.enabled", "true",
                    "pipeline.marts.interval-ms", "1000");
        }
    }

    private static final Duration BOUND = Duration.ofSeconds(60);

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void insertsUpdatesAndDeletesReachTheMartsByThemselves() throws Exception {
        awaitMarts("select count(*) from marts.obt_rental", "select count(*) from public.rental");
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("insert into public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
                    + "values (80001, '2033-03-03 10:00:00', 100, 50, 1)");
            statement.execute("insert into public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) "
                    + "values (80001, 50, 1, 80001, 2.99, '2033-03-03 10:01:00')");
            statement.execute("update public.rental set return_date = '2033-03-05 09:00:00' where rental_id = 80001");
            statement.execute("update public.customer set email = 'timer@example.com' where customer_id = 50");
            // A rental deleted with its payments.
            statement.execute("delete from public.payment where rental_id = 60");
            statement.execute("delete from public.rental where rental_id = 60");
        }
        awaitMarts("select count(*) from marts.obt_rental where rental_id = 80001 and is_returned "
                + "and amount_paid = 2.99 and customer_email = 'timer@example.com'", "select 1::bigint");
        awaitMarts("select count(*) from marts.fact_rental where rental_id = 60", "select 0::bigint");
        awaitMarts("select count(*) from marts.fact_payment", "select count(*) from public.payment");
        awaitMarts("select count(*) from marts.fact_rental", "select count(*) from public.rental");
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.obt_rental where rental_id = 60")).isEqualTo(0L);
        }
    }

    private void awaitMarts(String martQuery, String sourceQuery) {
        Awaitility.await().atMost(BOUND).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
                assertThat(SourceDatabases.single(marts, martQuery)).isEqualTo(SourceDatabases.single(connection, sourceQuery));
            }
        });
    }
}
