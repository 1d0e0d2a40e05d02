package io.livewarehouse.marts;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** Facts and the one big table reconcile with the source, and follow inserts, updates and deletes. */
@QuarkusTest
class FactsAndOneBigTableTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    MartRunner runner;

    @Test
    void factsAndTheOneBigTableReconcileWithTheSource() throws Exception {
        refreshWhenCaughtUp();
        assertReconciled();
        try (Connection marts = warehouse.connect()) {
            // Every fact finds the dimension version valid at its date, and its dates in the calendar.
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_rental where customer_key is null "
                    + "or film_key is null or store_key is null or staff_key is null")).isEqualTo(0L);
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_payment where customer_key is null "
                    + "or staff_key is null")).isEqualTo(0L);
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_rental f where not exists "
                    + "(select 1 from marts.dim_date d where d.date_key = f.rental_date_key)")).isEqualTo(0L);
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_payment f where not exists "
                    + "(select 1 from marts.dim_date d where d.date_key = f.payment_date_key)")).isEqualTo(0L);
        }
    }

    @Test
    void aRenamedFilmAMovedCustomerANewRentalAndARefundShowUp() throws Exception {
        refreshWhenCaughtUp();
        long filmKeyBefore;
        try (Connection marts = warehouse.connect()) {
            filmKeyBefore = (Long) SourceDatabases.single(marts, "select f.film_key from marts.fact_rental f "
                    + "join marts.cur_rental r using (rental_id) join marts.cur_inventory i on i.inventory_id = r.inventory_id "
                    + "where i.film_id = 9 order by rental_id limit 1");
        }
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.film set title = 'Renamed For The Dashboard' where film_id = 9");
            statement.execute("update public.address set city_id = 77 "
                    + "where address_id = (select address_id from public.customer where customer_id = 31)");
            statement.execute("insert into public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
                    + "values (70001, '2032-01-02 03:04:05', (select min(inventory_id) from public.inventory where film_id = 9), 31, 2)");
            statement.execute("insert into public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) "
                    + "values (70001, 31, 2, 70001, 3.99, '2032-01-02 03:05:00')");
            statement.execute("delete from public.payment where payment_id = (select min(payment_id) from public.payment "
                    + "where customer_id = 32)");
        }
        refreshWhenCaughtUp();
        assertReconciled();
        try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
            // The OBT shows the new title on every rental of the film, and the customer's new city.
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.obt_rental where film_id = 9 "
                    + "and film_title <> 'Renamed For The Dashboard'")).isEqualTo(0L);
            assertThat(SourceDatabases.single(marts, "select count(distinct customer_city) from marts.obt_rental "
                    + "where customer_id = 31")).isEqualTo(1L);
            assertThat(SourceDatabases.single(marts, "select max(customer_city) from marts.obt_rental where customer_id = 31"))
                    .isEqualTo(SourceDatabases.single(connection, "select city from public.city where city_id = 77"));
            // History is kept in the facts: old rentals keep the old film version, the new rental the new one.
            assertThat(SourceDatabases.single(marts, "select f.film_key from marts.fact_rental f "
                    + "join marts.cur_rental r using (rental_id) join marts.cur_inventory i on i.inventory_id = r.inventory_id "
                    + "where i.film_id = 9 order by rental_id limit 1")).isEqualTo(filmKeyBefore);
            assertThat(SourceDatabases.single(marts, "select d.title from marts.fact_rental f join marts.dim_film d "
                    + "using (film_key) where f.rental_id = 70001")).isEqualTo("Renamed For The Dashboard");
            assertThat(SourceDatabases.rows(marts, "select amount_paid, payment_count from marts.fact_rental "
                    + "where rental_id = 70001").get(0).toString()).isEqualTo("[3.99, 1]");
        }
    }

    private void assertReconciled() throws Exception {
        try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_rental"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.rental"));
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.obt_rental"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.rental"));
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_payment"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.payment"));
            Object total = SourceDatabases.single(connection, "select sum(amount) from public.payment");
            assertThat(SourceDatabases.single(marts, "select sum(amount) from marts.fact_payment")).isEqualTo(total);
            assertThat(SourceDatabases.single(marts, "select sum(amount_paid) from marts.fact_rental"))
                    .isEqualTo(SourceDatabases.single(connection, "select sum(amount) from public.payment p "
                            + "where exists (select 1 from public.rental r where r.rental_id = p.rental_id)"));
            assertThat(SourceDatabases.single(marts, "select sum(amount_paid) from marts.obt_rental"))
                    .isEqualTo(SourceDatabases.single(marts, "select sum(amount_paid) from marts.fact_rental"));
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.fact_rental where not is_returned"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.rental where return_date is null"));
        }
    }

    private void refreshWhenCaughtUp() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
    }
}
