package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Source tables change shape while the stream runs; staging follows what it safely can. */
@QuarkusTest
class SchemaChangesTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Inject
    io.livewarehouse.marts.MartRunner martRunner;

    @Test
    void addedColumnAppearsInStagingWithOlderRowsNull() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column subtitle_language text",
                "update public.film set subtitle_language = 'Deutsch' where film_id = 5");
        awaitStaging("select count(*) from staging.film where film_id = 5 and subtitle_language = 'Deutsch'", 1L);
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging,
                    "select count(*) from staging.film where _cdc_op = 'r' and subtitle_language is not null")).isEqualTo(0L);
        }

        // DROP COLUMN: the staging column stays, NULL from then on.
        source("alter table public.film drop column subtitle_language",
                "update public.film set length = 111 where film_id = 5");
        awaitStaging("select count(*) from staging.film where film_id = 5 and length = 111 and subtitle_language is null", 1L);
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void widenedColumnIsWidenedInStaging() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.payment alter column amount type numeric(7,2)",
                "update public.payment set amount = 12345.67 where payment_id = 10");
        awaitStaging("select count(*) from staging.payment where payment_id = 10 and amount = 12345.67", 1L);
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, """
                    select data_type from information_schema.columns
                    where table_schema = 'staging' and table_name = 'payment' and column_name = 'amount'"""))
                    .isEqualTo("DECIMAL(7,2)");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aTypeChangeThatCannotBeWidenedIsDeadLetteredWithAClearError() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column probe integer",
                "update public.film set probe = 1 where film_id = 6");
        awaitStaging("select count(*) from staging.film where film_id = 6 and probe = 1", 1L);
        source("alter table public.film alter column probe type text using probe::text",
                "update public.film set probe = 'not a number' where film_id = 6");
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return (Long) SourceDatabases.single(staging,
                        "select count(*) from _pipeline.dead_letters where table_name = 'film'") >= 1L;
            }
        });
        try (Connection staging = warehouse.connect()) {
            List<Object> letter = SourceDatabases.rows(staging, """
                    select error, key_json, payload_json, lsn is not null from _pipeline.dead_letters
                    where table_name = 'film' order by failed_at desc limit 1""").get(0);
            assertThat((String) letter.get(0)).contains("film.probe").contains("INTEGER").contains("VARCHAR")
                    .contains("cannot be widened");
            assertThat((String) letter.get(1)).contains("\"film_id\":\"6\"");
            assertThat((String) letter.get(2)).contains("not a number");
            assertThat(letter.get(3)).isEqualTo(true);
            // The stream went on: the staging column kept its type and later changes still arrive.
            assertThat(SourceDatabases.single(staging, """
                    select data_type from information_schema.columns
                    where table_schema = 'staging' and table_name = 'film' and column_name = 'probe'""")).isEqualTo("INTEGER");
        }
        source("alter table public.film drop column probe", "update public.film set length = 99 where film_id = 6");
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aWideningInsideOneTransactionWithOtherTablesChangesArrivesWhole() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        // The case: the type change and a value only the new type holds, beside other tables' changes,
        // all in one source transaction and so in one staging batch.
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("alter table public.customer alter column active type bigint");
            statement.execute("update public.customer set active = 3000000000 where customer_id = 3");
            statement.execute("update public.address set address2 = 'Widened' where address_id = 3");
            statement.execute("update public.payment set amount = amount + 0.01 where payment_id = 20");
            connection.commit();
        }
        awaitStaging("select count(*) from staging.customer where customer_id = 3 and active = 3000000000", 1L);
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, """
                    select data_type from information_schema.columns
                    where table_schema = 'staging' and table_name = 'customer' and column_name = 'active'"""))
                    .isEqualTo("BIGINT");
            assertThat(SourceDatabases.single(staging, "select count(*) from _pipeline.dead_letters where table_name = 'customer'"))
                    .isEqualTo(0L);
        }
    }

    @Test
    void aColumnAddedWithADefaultReadsItInEveryRowStagedBefore() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column audience text default 'everyone'",
                "update public.film set length = 120 where film_id = 7");
        awaitStaging("select count(*) from staging.film where film_id = 7 and length = 120", 1L);
        // Every film reads the default at the source without a change event; staging and the current state too.
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        martRunner.refresh();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.single(staging, "select count(*) from marts.cur_film where audience = 'everyone'"))
                    .isEqualTo(SourceDatabases.single(staging, "select count(*) from marts.cur_film"));
        }
        source("alter table public.film drop column audience", "update public.film set length = 121 where film_id = 7");
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aRenamedColumnKeepsItsValuesUnderItsNewName() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column working_title text",
                "update public.film set working_title = 'first' where film_id = 8",
                "update public.film set working_title = 'kept' where film_id = 9");
        awaitStaging("select count(*) from staging.film where film_id = 9 and working_title = 'kept'", 1L);
        // The rename and a change under the new name in one transaction, so in one batch with the change before.
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("update public.film set working_title = 'before the rename' where film_id = 10");
            statement.execute("alter table public.film rename column working_title to final_title");
            statement.execute("update public.film set final_title = 'second' where film_id = 8");
            connection.commit();
        }
        awaitStaging("select count(*) from staging.film where film_id = 8 and final_title = 'second'", 1L);
        // Film 9 never changed again: at the source it reads 'kept' under the new name, and so it does here.
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        martRunner.refresh();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.rows(staging, "select film_id, final_title from marts.cur_film "
                    + "where film_id in (8, 9, 10) order by film_id")).extracting(row -> row.get(1))
                    .containsExactly("second", "kept", "before the rename");
            assertThat(SourceDatabases.single(staging, "select count(*) from information_schema.columns "
                    + "where table_schema = 'staging' and table_name = 'film' and column_name = 'working_title'")).isEqualTo(0L);
        }
        source("alter table public.film drop column final_title", "update public.film set length = 90 where film_id = 8");
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aColumnAddedWithAComputedDefaultIsNotGivenAZeroInRowsStagedBefore() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column reviewed_at timestamptz default now()",
                "update public.film set length = 122 where film_id = 11");
        awaitStaging("select count(*) from staging.film where film_id = 11 and length = 122", 1L);
        try (Connection staging = warehouse.connect()) {
            // Debezium gives now() as 1970-01-01: no row may read that. Film 11's change carries its real value;
            // the films staged before read NULL (their value is the ALTER's now(), which no event carries).
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.film "
                    + "where reviewed_at < timestamptz '2000-01-01 00:00:00+00'")).isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.film "
                    + "where film_id = 11 and length = 122 and reviewed_at is not null")).isEqualTo(1L);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.film "
                    + "where film_id = 12 and reviewed_at is not null")).isEqualTo(0L);
        }
        source("alter table public.film drop column reviewed_at", "update public.film set length = 123 where film_id = 11");
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    @Test
    void aColumnAddedUnderTheOldNameOfARenamedOneIsANewColumn() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        source("alter table public.film add column note text", "update public.film set note = 'old note' where film_id = 12");
        awaitStaging("select count(*) from staging.film where film_id = 12 and note = 'old note'", 1L);
        source("alter table public.film rename column note to old_note", "alter table public.film add column note text",
                "update public.film set note = 'new note' where film_id = 13");
        awaitStaging("select count(*) from staging.film where film_id = 13 and note = 'new note'", 1L);
        // Film 12 never changed again: it reads 'old note' under old_note and NULL under the new note.
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        martRunner.refresh();
        try (Connection staging = warehouse.connect()) {
            assertThat(SourceDatabases.rows(staging, "select film_id, old_note, note from marts.cur_film "
                    + "where film_id in (12, 13) order by film_id"))
                    .containsExactly(java.util.Arrays.asList(12, "old note", null), java.util.Arrays.asList(13, null, "new note"));
        }
        source("alter table public.film drop column note", "alter table public.film drop column old_note",
                "update public.film set length = 91 where film_id = 12");
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    private void source(String... statements) throws Exception {
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private void awaitStaging(String countQuery, long expected) {
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return SourceDatabases.single(staging, countQuery).equals(expected);
            }
        });
    }
}
