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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** SCD type 2 histories of dim_customer and dim_film, driven by real changes through capture. */
@QuarkusTest
class SlowlyChangingDimensionsTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    MartRunner runner;

    @Test
    void everyCustomerAndFilmHasOneCurrentVersionValidSinceTheBeginningOfTime() throws Exception {
        refreshWhenCaughtUp();
        try (Connection connection = source.open(); Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_customer where is_current"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.customer"));
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_film where is_current"))
                    .isEqualTo(SourceDatabases.single(connection, "select count(*) from public.film"));
            assertThat(SourceDatabases.single(marts, "select count(*) from (select customer_id from marts.dim_customer "
                    + "where is_current group by customer_id having count(*) > 1)")).isEqualTo(0L);
            assertThat(SourceDatabases.single(marts, "select count(*) from marts.dim_customer where valid_from = "
                    + "(select min(valid_from) from marts.dim_customer d where d.customer_id = dim_customer.customer_id) "
                    + "and valid_from <> timestamptz '1900-01-01 00:00:00+00'")).isEqualTo(0L);
            // Spot checks of joined attributes against the source.
            assertThat(SourceDatabases.rows(marts, "select city, country, store_id::integer from marts.dim_customer "
                    + "where customer_id = 3 and is_current").get(0).toString())
                    .isEqualTo(SourceDatabases.rows(connection, "select ci.city, co.country, c.store_id::integer "
                            + "from public.customer c join public.address a using (address_id) join public.city ci using (city_id) "
                            + "join public.country co using (country_id) where c.customer_id = 3").get(0).toString());
            assertThat(SourceDatabases.rows(marts, "select title, language, categories from marts.dim_film "
                    + "where film_id = 7 and is_current").get(0).toString())
                    .isEqualTo(SourceDatabases.rows(connection, "select f.title, trim(l.name), "
                            + "(select string_agg(c.name, ', ' order by c.name) from public.film_category fc "
                            + "join public.category c using (category_id) where fc.film_id = f.film_id) "
                            + "from public.film f join public.language l using (language_id) where f.film_id = 7")
                            .get(0).toString());
        }
    }

    @Test
    void aCustomerMovingCityOrACityRenamedOpensANewVersionAndClosesTheOld() throws Exception {
        refreshWhenCaughtUp();
        int cityOfCustomer21;
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            cityOfCustomer21 = (Integer) SourceDatabases.single(connection,
                    "select a.city_id from public.customer c join public.address a using (address_id) where c.customer_id = 21");
            // Customer 22 moves to customer 21's city (a change to the address row, not the customer row).
            statement.execute("update public.address set city_id = " + cityOfCustomer21
                    + " where address_id = (select address_id from public.customer where customer_id = 22)");
        }
        refreshWhenCaughtUp();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.city set city = 'Renamed Town' where city_id = " + cityOfCustomer21);
        }
        refreshWhenCaughtUp();
        try (Connection marts = warehouse.connect()) {
            List<List<Object>> history = SourceDatabases.rows(marts, "select city, is_current, valid_from, valid_to "
                    + "from marts.dim_customer where customer_id = 22 order by valid_from");
            assertThat(history).hasSize(3);
            assertThat(history.get(2).get(0)).isEqualTo("Renamed Town");
            assertThat(history.get(2).get(1)).isEqualTo(true);
            assertThat(history.get(0).get(1)).isEqualTo(false);
            // Versions follow each other without gaps or overlaps.
            assertThat(history.get(0).get(3)).isEqualTo(history.get(1).get(2));
            assertThat(history.get(1).get(3)).isEqualTo(history.get(2).get(2));
            // The rename reached customer 21 too, through the city alone.
            assertThat(SourceDatabases.single(marts,
                    "select city from marts.dim_customer where customer_id = 21 and is_current")).isEqualTo("Renamed Town");
        }
    }

    @Test
    void aFilmTitleChangeOpensANewVersionAndADeletedFilmIsClosed() throws Exception {
        refreshWhenCaughtUp();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.film set title = 'A New Title' where film_id = 8");
            statement.execute("insert into public.film (film_id, title, language_id, fulltext) values (5001, 'Short Lived', 1, '')");
        }
        refreshWhenCaughtUp();
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("delete from public.film where film_id = 5001");
        }
        refreshWhenCaughtUp();
        try (Connection marts = warehouse.connect()) {
            assertThat(SourceDatabases.rows(marts, "select title, is_current from marts.dim_film where film_id = 8 "
                    + "order by valid_from").stream().map(Object::toString))
                    .endsWith("[A New Title, true]").hasSizeGreaterThanOrEqualTo(2);
            assertThat(SourceDatabases.rows(marts, "select is_current, is_deleted, valid_to < timestamptz '9999-12-31 00:00:00+00' "
                    + "from marts.dim_film where film_id = 5001").stream().map(Object::toString))
                    .containsExactly("[false, true, true]");
        }
    }

    private void refreshWhenCaughtUp() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
    }
}
