package io.livewarehouse.security;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.support.OwnCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credentials and sensitive columns: the source password never shows in logs, health or metrics; the staff
 * password never reaches the warehouse; a column on the hash list arrives only as its salted hash.
 */
@QuarkusTest
@TestProfile(SensitiveDataTest.Secrets.class)
class SensitiveDataTest {

    static final String PASSWORD = "Pw-7f3c91-never-logged";
    static final String SALT = "pepper-5521";
    static final Path LOG = Path.of("target/sensitive-data-test.log");

    /** Its own capture and warehouse; a distinctive password; logs kept in a file to search. */
    public static class Secrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnCapture.named("secrets",
                    "pipeline.source.password", PASSWORD,
                    "pipeline.source.column-hash-list", "public.customer.email",
                    "pipeline.source.hash-salt", SALT,
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    // Everything the pipeline and its libraries say, to be sure nothing says the password.
                    "quarkus.log.category.\"io.debezium\".level", "DEBUG");
        }
    }

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void secretsStayOutOfLogsHealthAndTheWarehouse() throws Exception {
        assertThat(source.settings().password()).contains(PASSWORD);
        // The snapshot has reached the last tables.
        StagingComparison.awaitSnapshotReachedLastTable(warehouse);
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.customer set email = 'hash.me@example.com' where customer_id = 7");
        }
        String expectedHash = sha256(SALT + "hash.me@example.com");
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection staging = warehouse.connect()) {
                return expectedHash.equals(SourceDatabases.single(staging,
                        "select email from staging.customer where customer_id = 7 order by _cdc_lsn desc limit 1"));
            }
        });
        // The snapshot (by COPY) hashed as the stream does: customer 8, which this test does not change.
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (Connection connection = source.open(); Connection staging = warehouse.connect()) {
                assertThat(SourceDatabases.single(staging, "select email from staging.customer where customer_id = 8 "
                        + "order by _cdc_loaded_at desc, _cdc_lsn desc limit 1")).isEqualTo(sha256(SALT
                        + SourceDatabases.single(connection, "select email from customer where customer_id = 8")));
            }
        });
        try (Connection staging = warehouse.connect()) {
            // Every email is a hash; equal emails keep equal hashes.
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.customer "
                    + "where email like '%@%' or length(email) <> 64")).isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from information_schema.columns "
                    + "where table_schema = 'staging' and table_name = 'staff' and column_name = 'password'")).isEqualTo(0L);
            assertThat(SourceDatabases.single(staging, "select count(*) from staging.staff")).isEqualTo(2L);
        }

        String health = given().when().get("/q/health").then().extract().asString();
        String metrics = given().when().get("/q/metrics").then().extract().asString();
        assertThat(health).contains("capture").doesNotContain(PASSWORD);
        assertThat(metrics).contains("pipeline_capture_events").doesNotContain(PASSWORD);
        String log = Files.readString(LOG, StandardCharsets.UTF_8);
        // The log is there and speaks of the connection, but never with the password.
        assertThat(log).contains("secrets").doesNotContain(PASSWORD).doesNotContain("hash.me@example.com");
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
