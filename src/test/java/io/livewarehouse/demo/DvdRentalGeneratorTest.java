package io.livewarehouse.demo;

import io.livewarehouse.demo.EmbeddedSource;
import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.support.SourceDatabases;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The generated DVD Rental data: real row counts, plausible values, referential integrity, determinism.
 * Checks run on a database generated here, not on the embedded source, which other tests change.
 */
@QuarkusTest
class DvdRentalGeneratorTest {

    private static final String GENERATED = "generated_scale_one";
    private static boolean generated;

    @Inject
    SourceSettings source;

    @ConfigProperty(name = "pipeline.embedded.seed")
    long seed;

    private Connection generated() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        synchronized (DvdRentalGeneratorTest.class) {
            if (!generated) {
                try (Connection connection = databases.schemaOnly(GENERATED)) {
                    new DvdRentalGenerator(1, seed).load(connection);
                }
                generated = true;
            }
        }
        return databases.connect(GENERATED);
    }

    @Test
    void scaleOneHasExactlyTheRowCountsOfTheRealDump() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection reference = databases.reference(); Connection ours = generated()) {
            Map<String, Long> real = databases.rowCounts(reference);
            assertThat(databases.rowCounts(ours)).isEqualTo(real);
            assertThat(real).containsEntry("rental", 16044L).containsEntry("payment", 14596L);
            // The generator's own table of expected counts agrees with the dump too.
            real.forEach((table, count) ->
                    assertThat(DvdRentalGenerator.rowCounts(1).get(table)).as(table).isEqualTo(count.intValue()));
        }
    }

    @Test
    void rentalsAndPaymentsLookLikeTheRealShop() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection reference = databases.reference(); Connection ours = generated()) {
            // Rentals fall inside the real rental period.
            String period = "select min(rental_date)::date::text, max(rental_date)::date::text from public.rental";
            assertThat(SourceDatabases.rows(ours, period).get(0))
                    .containsExactly("2005-05-24", "2006-02-14")
                    .isEqualTo(SourceDatabases.rows(reference, period).get(0));
            // As many rentals unpaid and not returned as in the real data.
            String unpaid = "select count(*) from public.rental r where not exists "
                    + "(select 1 from public.payment p where p.rental_id = r.rental_id)";
            assertThat(SourceDatabases.single(ours, unpaid)).isEqualTo(SourceDatabases.single(reference, unpaid));
            String unreturned = "select count(*) from public.rental where return_date is null";
            assertThat(SourceDatabases.single(ours, unreturned)).isEqualTo(SourceDatabases.single(reference, unreturned));
            // Amounts from 0.99 to 11.99 with both ends reached.
            assertThat(SourceDatabases.rows(ours, "select min(amount), max(amount) from public.payment").get(0))
                    .containsExactly(new BigDecimal("0.99"), new BigDecimal("11.99"));
            // A payment belongs to its rental's customer and is made after the rental started.
            assertThat(SourceDatabases.single(ours, """
                    select count(*) from public.payment p join public.rental r on r.rental_id = p.rental_id
                    where p.customer_id <> r.customer_id or p.payment_date < r.rental_date""")).isEqualTo(0L);
            // One copy is never out twice at once, and nothing comes back before it left.
            assertThat(SourceDatabases.single(ours, """
                    select count(*) from public.rental a join public.rental b
                      on a.inventory_id = b.inventory_id and a.rental_id < b.rental_id
                    where tsrange(a.rental_date, coalesce(a.return_date, 'infinity'))
                       && tsrange(b.rental_date, coalesce(b.return_date, 'infinity'))""")).isEqualTo(0L);
            assertThat(SourceDatabases.single(ours,
                    "select count(*) from public.rental where return_date <= rental_date")).isEqualTo(0L);
            // Payment timestamps carry microseconds, as the real ones do.
            assertThat((Long) SourceDatabases.single(ours,
                    "select count(*) from public.payment where extract(microseconds from payment_date)::bigint % 1000000 <> 0"))
                    .isGreaterThan(14000L);
        }
    }

    @Test
    void filmsCarryTheTypesThatStressAPipeline() throws Exception {
        try (Connection ours = generated()) {
            assertThat(SourceDatabases.single(ours,
                    "select count(*) from public.film where fulltext is null or special_features is null or cardinality(special_features) = 0"))
                    .isEqualTo(0L);
            assertThat(SourceDatabases.single(ours, "select count(distinct rating) from public.film")).isEqualTo(5L);
            assertThat(SourceDatabases.single(ours, "select count(distinct title) from public.film")).isEqualTo(1000L);
            assertThat(SourceDatabases.single(ours, "select count(*) from public.staff where picture is not null")).isEqualTo(1L);
            assertThat(SourceDatabases.single(ours, "select count(*) from public.customer where active = 0")).isEqualTo(15L);
            // Names beyond ASCII, so encodings are exercised end to end.
            assertThat((Long) SourceDatabases.single(ours,
                    "select count(*) from public.customer where octet_length(first_name || last_name) > char_length(first_name || last_name)")).isPositive();
        }
    }

    @Test
    void everyReferenceResolvesIncludingTheOnesWithoutAForeignKey() throws Exception {
        try (Connection ours = generated()) {
            // Foreign keys are enforced by the schema; these references have none in the sample schema.
            assertThat(SourceDatabases.single(ours, """
                    select (select count(*) from public.customer c where not exists (select 1 from public.store s where s.store_id = c.store_id))
                         + (select count(*) from public.inventory i where not exists (select 1 from public.store s where s.store_id = i.store_id))
                         + (select count(*) from public.staff t where not exists (select 1 from public.store s where s.store_id = t.store_id))"""))
                    .isEqualTo(0L);
            // And the enforced ones were really checked: no constraint is marked not valid.
            assertThat(SourceDatabases.single(ours,
                    "select count(*) from pg_constraint where contype = 'f' and not convalidated")).isEqualTo(0L);
            assertThat(SourceDatabases.single(ours,
                    "select count(*) from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace"))
                    .isEqualTo(18L);
        }
    }

    @Test
    void aHistoryEndingNowIsTheSampleMovedInTimeWithNothingAfterIt() throws Exception {
        // As the embedded source is created: the history ends at that moment, the sample's durations, late
        // returns and fees unchanged (rentalsAndPaymentsLookLikeTheRealShop checks those against the dump).
        LocalDateTime end = LocalDateTime.of(2026, 12, 2, 9, 30, 17);
        long shift = java.time.Duration.between(DvdRentalGenerator.LAST_RENTAL, end).getSeconds();
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection sample = databases.schemaOnly("history_sample"); Connection moved = databases.schemaOnly("history_now")) {
            new DvdRentalGenerator(1, 7).load(sample);
            new DvdRentalGenerator(1, 7, end).load(moved);
            for (String table : List.of("rental", "payment")) {
                String rows = table.equals("rental")
                        ? "concat_ws('|', rental_id, inventory_id, customer_id, staff_id, rental_date + %1$s, return_date + %1$s)"
                        : "concat_ws('|', payment_id, rental_id, customer_id, amount, payment_date + %1$s)";
                String digest = "select md5(string_agg(" + rows + ", ',' order by 1)) from public." + table;
                assertThat(SourceDatabases.single(moved, digest.formatted("interval '0 seconds'"))).as(table)
                        .isEqualTo(SourceDatabases.single(sample, digest.formatted("interval '" + shift + " seconds'")));
            }
            String latest = "select greatest(max(r.rental_date), max(r.return_date), (select max(payment_date) from public.payment))"
                    + "::text from public.rental r";
            assertThat((String) SourceDatabases.single(moved, latest)).isLessThanOrEqualTo("2026-12-02 09:30:17");
            assertThat(SourceDatabases.single(moved, "select min(rental_date)::text from public.rental"))
                    .isEqualTo(DvdRentalGenerator.FIRST_RENTAL.plusSeconds(shift).format(DvdRentalGenerator.TIMESTAMP));
            // Rented in its last 12 hours: the copies still out, as in the sample's last day.
            assertThat(SourceDatabases.single(moved, "select count(*) from public.rental where return_date is null "
                    + "and rental_date > timestamp '2026-12-01 21:30:17'")).isEqualTo(183L);
            // Every load-time stamp is the moment the history ends; the customers were created that day.
            for (String table : List.of("rental", "film", "customer", "staff", "inventory", "address", "film_actor")) {
                assertThat(SourceDatabases.single(moved, "select max(last_update)::text || ' ' || min(last_update)::text from public."
                        + table)).as(table).isEqualTo("2026-12-02 09:30:17 2026-12-02 09:30:17");
            }
            assertThat(SourceDatabases.single(moved, "select string_agg(distinct create_date::text, ',') from public.customer"))
                    .isEqualTo("2026-12-02");
        }
    }

    @Test
    void sameSeedGivesTheSameDataAndAnotherSeedDoesNot() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        Map<String, String> first;
        Map<String, String> second;
        Map<String, String> otherSeed;
        try (Connection connection = databases.schemaOnly("determinism_a")) {
            new DvdRentalGenerator(1, 7).load(connection);
            first = databases.checksums(connection);
        }
        try (Connection connection = databases.schemaOnly("determinism_b")) {
            new DvdRentalGenerator(1, 7).load(connection);
            second = databases.checksums(connection);
        }
        try (Connection connection = databases.schemaOnly("determinism_c")) {
            new DvdRentalGenerator(1, 8).load(connection);
            otherSeed = databases.checksums(connection);
        }
        assertThat(second).isEqualTo(first);
        assertThat(otherSeed.get("rental")).isNotEqualTo(first.get("rental"));
        assertThat(otherSeed.get("customer")).isNotEqualTo(first.get("customer"));
    }

    @Test
    void theEmbeddedSourceHoldsTheDataOfTheConfiguredSeed() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection embedded = databases.connect(EmbeddedSource.DATABASE); Connection ours = generated()) {
            // Without last_update: CopySnapshotTest updates one row of every table to itself, which the
            // last_updated trigger stamps; run after it (test order is not fixed), the values are still the seed's.
            Map<String, String> expected = databases.checksumsWithoutLastUpdate(ours);
            Map<String, String> actual = databases.checksumsWithoutLastUpdate(embedded);
            // Tables no other test changes (the traffic simulator and the capture tests change the others).
            for (String table : java.util.List.of("actor", "category", "country", "language", "film_actor",
                    "film_category", "inventory", "store")) {
                assertThat(actual.get(table)).as(table).isEqualTo(expected.get(table));
            }
        }
    }

    @Test
    void scaleMultipliesTheBusinessTablesOnly() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection connection = databases.schemaOnly("scale_three")) {
            new DvdRentalGenerator(3, 1).load(connection);
            Map<String, Long> counts = databases.rowCounts(connection);
            DvdRentalGenerator.rowCounts(3).forEach((table, expected) ->
                    assertThat(counts.get(table)).as(table).isEqualTo(expected.longValue()));
            assertThat(counts).containsEntry("customer", 3 * 599L).containsEntry("rental", 3 * 16044L)
                    .containsEntry("payment", 3 * 14596L).containsEntry("inventory", 3 * 4581L)
                    .containsEntry("film", 1000L).containsEntry("actor", 200L);
        }
        assertThatThrownBy(() -> new DvdRentalGenerator(DvdRentalGenerator.MAX_SCALE + 1, 1))
                .hasMessageContaining("smallint");
    }
}
