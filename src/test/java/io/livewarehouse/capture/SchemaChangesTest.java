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
