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
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With REPLICA IDENTITY DEFAULT an update that leaves a TOASTed column alone does not carry its value:
 * Debezium sends a placeholder. It must never become data; the column is marked unavailable instead and its
 * last known value stays the current one.
 */
@QuarkusTest
class UnchangedToastTest {

    private static final int FILM = 42;

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void anUntouchedToastedDescriptionIsMarkedUnavailableAndNeverStoredAsThePlaceholder() throws Exception {
        String description = incompressibleText(12_000);
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        try (Connection connection = source.open()) {
            assertThat(SourceDatabases.single(connection,
                    "select relreplident::text from pg_class where oid = 'public.film'::regclass")).isEqualTo("d");
            try (PreparedStatement update = connection.prepareStatement(
                    "update public.film set description = ? where film_id = ?")) {
                update.setString(1, description);
                update.setInt(2, FILM);
                update.executeUpdate();
            }
            // Stored out of line: the value is TOASTed, not inline.
            assertThat((Integer) SourceDatabases.single(connection,
                    "select pg_column_size(description) from public.film where film_id = " + FILM)).isGreaterThan(8000);
            try (var statement = connection.createStatement()) {
                statement.execute("update public.film set rental_rate = 3.33 where film_id = " + FILM);
            }
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
            try (Connection staging = warehouse.connect()) {
                return (Long) SourceDatabases.single(staging,
                        "select count(*) from staging.film where film_id = " + FILM + " and rental_rate = 3.33") == 1L;
            }
        });
        try (Connection staging = warehouse.connect()) {
            // The update that did not touch the description: NULL and marked unavailable, not the placeholder.
            // (fulltext, derived from it and as large, is left alone by its trigger and is unavailable too.)
            assertThat(SourceDatabases.rows(staging, "select description is null, "
                    + "json_contains(_cdc_unavailable, '\"description\"') from staging.film "
                    + "where film_id = " + FILM + " and rental_rate = 3.33").get(0))
                    .containsExactly(true, true);
            // The update that set it carried all 12,000 characters.
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.film where film_id = " + FILM
                    + " and length(description) = 12000")).isEqualTo(1L);
            // Nowhere in any staging text column is the placeholder.
            for (var column : SourceDatabases.rows(staging, """
                    select table_name, column_name from information_schema.columns
                    where table_schema = 'staging' and data_type in ('VARCHAR', 'JSON')""")) {
                assertThat(SourceDatabases.single(staging, "select count(*) from staging.\"" + column.get(0)
                        + "\" where \"" + column.get(1) + "\"::varchar like '%__debezium_unavailable_value%'"))
                        .as("%s.%s", column.get(0), column.get(1)).isEqualTo(0L);
            }
        }
        // And the current state (last known value of each column) equals the source.
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
    }

    /** Random words: pglz cannot shrink them below the TOAST threshold. */
    private static String incompressibleText(int length) {
        SplittableRandom random = new SplittableRandom(42);
        StringBuilder text = new StringBuilder(length);
        while (text.length() < length) {
            int word = 3 + random.nextInt(8);
            for (int i = 0; i < word && text.length() < length; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            if (text.length() < length) {
                text.append(' ');
            }
        }
        return text.toString();
    }
}
