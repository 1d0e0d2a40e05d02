package io.livewarehouse.source;

import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.support.SourceDatabases;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded source's schema (the one {@link EmbeddedSource#installSchema} installs) is the real DVD Rental
 * schema: every catalog fact that matters to a CDC pipeline is compared with a restore of
 * ../shared/datasets/dvdrental/dvdrental.tar on the same server. The comparison runs on a database created for
 * it, since other tests change the live source's schema on purpose.
 */
@QuarkusTest
class SourceSchemaTest {

    private static final String TABLES = "('actor','address','category','city','country','customer','film',"
            + "'film_actor','film_category','inventory','language','payment','rental','staff','store')";

    @Inject
    SourceSettings source;

    @Test
    void columnsHaveTheTypesDefaultsAndNullabilityOfTheRealDump() throws Exception {
        assertSameCatalog("""
                select table_name, ordinal_position, column_name, data_type, udt_name, domain_name,
                       character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
                from information_schema.columns
                where table_schema = 'public' and table_name in %s
                order by table_name, ordinal_position""".formatted(TABLES));
    }

    @Test
    void primaryKeysForeignKeysAndChecksMatchTheRealDump() throws Exception {
        assertSameCatalog("""
                select coalesce(nullif(conrelid, 0)::regclass::text, contypid::regtype::text), conname, contype,
                       pg_get_constraintdef(oid)
                from pg_constraint
                where connamespace = 'public'::regnamespace
                order by 1, 2""");
    }

    @Test
    void lastUpdateAndFulltextTriggersMatchTheRealDump() throws Exception {
        assertSameCatalog("""
                select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
                from pg_trigger
                where not tgisinternal
                order by 1, 2""");
    }

    @Test
    void indexesMatchTheRealDump() throws Exception {
        assertSameCatalog("""
                select tablename, indexname, indexdef
                from pg_indexes
                where schemaname = 'public'
                order by 1, 2""");
    }

    @Test
    void ratingEnumAndYearDomainMatchTheRealDump() throws Exception {
        assertSameCatalog("""
                select t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod),
                       array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder)
                from pg_type t
                where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd')
                order by 1""");
    }

    @Test
    void everyCapturedTableHasAPrimaryKey() throws Exception {
        try (Connection ours = ourSchema()) {
            List<List<Object>> withoutKey = SourceDatabases.rows(ours, """
                    select c.relname from pg_class c
                    where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
                      and not exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p')""");
            assertThat(withoutKey).isEmpty();
        }
    }

    private Connection ourSchema() throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        synchronized (SourceSchemaTest.class) {
            if (!schemaCreated) {
                databases.schemaOnly("schema_check").close();
                schemaCreated = true;
            }
        }
        return databases.connect("schema_check");
    }

    private static boolean schemaCreated;

    private void assertSameCatalog(String query) throws Exception {
        SourceDatabases databases = new SourceDatabases(source);
        try (Connection reference = databases.reference(); Connection ours = ourSchema()) {
            List<List<Object>> expected = SourceDatabases.rows(reference, query);
            assertThat(expected).isNotEmpty();
            assertThat(SourceDatabases.rows(ours, query).stream().map(Object::toString))
                    .containsExactlyElementsOf(expected.stream().map(Object::toString).toList());
        }
    }
}
