package io.livewarehouse.capture;

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

/**
 * The whole path for real: embedded PostgreSQL, Debezium over pgoutput, the Camel route, DuckDB. The latest
 * staging row of every key equals the source row, column by column, after the snapshot and after changes.
 */
@QuarkusTest
class CdcToStagingTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    org.apache.camel.CamelContext camel;

    /**
     * Every change event's exchange carries about ten headers: camel-headersmap's hash map, not Camel's default
     * case-insensitive TreeMap, holds them (found on the classpath at start; see docs/performance.md).
     */
    @Test
    void exchangesKeepTheirHeadersInTheHashedMap() {
        assertThat(camel.getCamelContextExtension().getHeadersMapFactory())
                .isInstanceOf(org.apache.camel.component.headersmap.FastHeadersMapFactory.class);
        org.apache.camel.Message message = new org.apache.camel.support.DefaultExchange(camel).getMessage();
        message.setHeader("CamelDebeziumOperation", "u");
        assertThat(message.getHeader("camELdebeziumoperation")).as("still case-insensitive").isEqualTo("u");
    }

    @Test
    void snapshotAndChangesReachStagingWithEveryValueIntact() throws Exception {
        awaitStagingEqualsSource();

        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            // Values that stress a pipeline: Unicode, NULLs, arrays, bytea, numerics, microseconds, enums.
            statement.execute("""
                    insert into public.customer (customer_id, store_id, first_name, last_name, email, address_id, create_date, last_update, active)
                    values (9001, 1, 'Zoë 🎬', 'Ødegaard-Núñez', null, 5, '2024-02-29', '2024-02-29 23:59:59.123456', 1)""");
            statement.execute("""
                    update public.film set title = 'Ünïcode Title', rental_rate = 0.01, replacement_cost = 999.99,
                           special_features = array['Commentaries', 'Behind the Scenes', 'a "quoted", value'],
                           rating = 'NC-17', length = null, description = null
                    where film_id = 1""");
            statement.execute("update public.staff set picture = '\\x00ff10'::bytea, active = false where staff_id = 2");
            statement.execute("delete from public.payment where payment_id in (1, 2, 3)");
            // With REPLICA IDENTITY FULL the whole row is logged, and the delete row carries it.
            statement.execute("alter table public.inventory replica identity full");
            statement.execute("insert into public.inventory (inventory_id, film_id, store_id) values (90001, 1, 1)");
            connection.commit();
            statement.execute("delete from public.inventory where inventory_id = 90001");
            statement.execute("update public.customer set activebool = false, email = null where customer_id = 7");
            connection.commit();
            // Several changes to one row in one transaction: the latest wins by order, not by time.
            statement.execute("update public.address set address2 = 'first' where address_id = 10");
            statement.execute("update public.address set address2 = 'second' where address_id = 10");
            statement.execute("update public.address set address2 = 'Suite 9, again' where address_id = 10");
            connection.commit();
        }
        awaitStagingEqualsSource();

        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging,
                    "select count(*) from staging.payment where _cdc_deleted and payment_id in (1, 2, 3)")).isEqualTo(3L);
            // Under REPLICA IDENTITY DEFAULT a delete carries only the key: the other columns are NULL and marked
            // unavailable, never the zeros Debezium fills a key-only before-image with.
            assertThat(SourceDatabases.single(staging, """
                    select count(*) from staging.payment where _cdc_op = 'd' and payment_id in (1, 2, 3)
                      and amount is null and rental_id is null and json_contains(_cdc_unavailable, '"amount"')"""))
                    .isEqualTo(3L);
            assertThat(SourceDatabases.single(staging, """
                    select count(*) from staging.inventory where _cdc_op = 'd' and inventory_id = 90001
                      and film_id = 1 and store_id = 1 and _cdc_unavailable is null""")).isEqualTo(1L);
            // The three updates of one transaction keep their order within it.
            assertThat(SourceDatabases.rows(staging, """
                    select address2, _cdc_seq from staging.address where address_id = 10 and _cdc_op = 'u'
                    order by _cdc_lsn, _cdc_seq"""))
                    .extracting(row -> row.get(0)).containsExactly("first", "second", "Suite 9, again");
            // The password never leaves the source.
            assertThat(SourceDatabases.single(staging,
                    "select count(*) from information_schema.columns where table_schema = 'staging' and column_name = 'password'"))
                    .isEqualTo(0L);
            // Metadata is filled on every row.
            assertThat(SourceDatabases.single(staging, """
                    select count(*) from staging.rental
                    where _cdc_op is null or _cdc_lsn is null or _cdc_seq is null or _cdc_source_ts is null
                       or _cdc_loaded_at is null or _cdc_deleted is null""")).isEqualTo(0L);
            // Types are faithful, not text: numeric(4,2) stays DECIMAL(4,2), timestamps keep microseconds.
            assertThat(SourceDatabases.rows(staging, """
                    select column_name, data_type from information_schema.columns
                    where table_schema = 'staging' and table_name = 'film'
                      and column_name in ('rental_rate', 'replacement_cost', 'last_update', 'release_year', 'rating')
                    order by column_name""").stream().map(Object::toString))
                    .containsExactly("[last_update, TIMESTAMP]", "[rating, VARCHAR]", "[release_year, INTEGER]",
                            "[rental_rate, DECIMAL(4,2)]", "[replacement_cost, DECIMAL(5,2)]");
        }
    }

    private void awaitStagingEqualsSource() {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }
}
