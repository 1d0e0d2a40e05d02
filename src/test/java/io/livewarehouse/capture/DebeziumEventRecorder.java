package io.livewarehouse.capture;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import io.livewarehouse.demo.EmbeddedSource;
import org.apache.kafka.connect.source.SourceRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Records the fixture {@code src/test/resources/debezium-events/every-kind.jsonl} that
 * {@link ChangeEventConverterTest} reads: a real PostgreSQL, a real Debezium engine with the capture route's
 * connector settings (pgoutput, precise decimals, microsecond times, bytes, the pipeline's own value converter,
 * transaction metadata), a snapshot and then inserts, updates and deletes of values that are hard to stage.
 * Not part of the suite; run it when Debezium or the connector settings change, and look at the diff:
 * <pre>./mvnw test -Dtest=DebeziumEventRecorder -Drecord.debezium.events=true</pre>
 */
@EnabledIfSystemProperty(named = "record.debezium.events", matches = "true")
class DebeziumEventRecorder {

    static final String PLACEHOLDER = "__debezium_unavailable_value";
    /** Enough text that PostgreSQL stores it out of line (TOAST): an update that leaves it alone does not send it. */
    private static final String TOASTED = "(select string_agg(md5(i::text), '') from generate_series(1, 400) i)";

    @Test
    void record() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "record-events");
        EmbeddedSource postgres = EmbeddedSource.startEmpty(work.resolve("postgres"), 0);
        try {
            try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
                statement.execute("create type mood as enum ('sad', 'happy')");
                statement.execute("create table kinds (id integer primary key, c_smallint smallint, c_bigint bigint, "
                        + "c_numeric numeric, c_numeric_ps numeric(7,2), c_money money, c_real real, c_double double precision, "
                        + "c_boolean boolean, c_varchar varchar(20), c_text text, c_bytea bytea, c_date date, "
                        + "c_timestamp timestamp, c_timestamptz timestamptz, c_time time, c_timetz timetz, "
                        + "c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb, c_int_array integer[], "
                        + "c_enum mood, c_point point, c_inet inet, c_not_null integer not null default 7)");
                statement.execute("create table keyless (at date, note text)");
                statement.execute("alter table keyless replica identity full");
                statement.execute("insert into kinds values (1, 32767, -9223372036854775808, 12345678901234567890.123456789, "
                        + "12345.67, 1234567.89, 3.5, 1e300, true, 'héllo', " + TOASTED + ", '\\xdeadbeef', '2005-05-24', "
                        + "'2005-05-24 22:53:30.123456', '2005-05-24 22:53:30.25+02', '04:05:06.789', '12:34:56.5+02:30', "
                        + "'1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
                        + "'{\"b\": 1, \"a\": [1, 2.50]}', '{\"b\": 1}', '{1,NULL,3}', 'happy', '(1.5,-2.25)', "
                        + "'192.168.0.1/24', 8)");
                statement.execute("insert into keyless values ('2020-02-29', 'leap')");
            }
            List<SourceRecord> records = Collections.synchronizedList(new ArrayList<>());
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try (DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine = DebeziumEngine.create(Connect.class)
                    .using(settings(postgres.port(), work))
                    .notifying(event -> records.add(event.value()))
                    .build()) {
                executor.execute(engine);
                Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> records.size() >= 2);
                try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
                    // The extremes, in one transaction with a second change: values staging cannot hold.
                    connection.setAutoCommit(false);
                    statement.execute("insert into kinds (id, c_numeric, c_numeric_ps, c_real, c_double, c_date, c_timestamp, "
                            + "c_timestamptz, c_time, c_json, c_int_array, c_text) values (2, 'NaN', 'NaN', 'NaN', '-Infinity', "
                            + "'infinity', '-infinity', 'infinity', '24:00:00', '{\"a\":\"\\ud800\"}', '{{1,2},{3,4}}', null)");
                    statement.execute("insert into kinds (id, c_date, c_timestamp) values (3, '0044-03-15 BC', "
                            + "'12345-06-07 08:09:10.5')");
                    connection.commit();
                    connection.setAutoCommit(true);
                    // An update that leaves the TOASTed text alone, then one of a key-less row (identity FULL).
                    statement.execute("update kinds set c_smallint = -1 where id = 1");
                    statement.execute("update keyless set note = 'moved', at = '2021-03-01' where note = 'leap'");
                    statement.execute("delete from kinds where id = 2");
                    statement.execute("delete from keyless");
                }
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> records.stream()
                        .filter(record -> record.topic().endsWith(".keyless")).count() >= 3);
                Thread.sleep(2000); // the last transaction's END marker
            } finally {
                executor.shutdown();
                executor.awaitTermination(30, TimeUnit.SECONDS);
            }
            Path fixture = Path.of("src/test/resources/debezium-events/every-kind.jsonl");
            Files.createDirectories(fixture.getParent());
            List<String> lines = new ArrayList<>();
            synchronized (records) {
                for (SourceRecord record : records) {
                    lines.add(RecordedEvents.line(record));
                }
            }
            Files.write(fixture, lines);
        } finally {
            postgres.close();
        }
    }

    /** The capture route's connector settings (CaptureRoute.source), offsets in memory. */
    private static Properties settings(int port, Path work) {
        Properties settings = new Properties();
        settings.setProperty("name", "recorder");
        settings.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        settings.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        settings.setProperty("offset.flush.interval.ms", "0");
        settings.setProperty("database.hostname", "localhost");
        settings.setProperty("database.port", Integer.toString(port));
        settings.setProperty("database.dbname", "postgres");
        settings.setProperty("database.user", EmbeddedSource.USER);
        settings.setProperty("database.password", "");
        settings.setProperty("topic.prefix", "recorder");
        settings.setProperty("plugin.name", "pgoutput");
        settings.setProperty("slot.name", "recorder");
        settings.setProperty("publication.name", "recorder");
        settings.setProperty("publication.autocreate.mode", "filtered");
        settings.setProperty("table.include.list", "public.kinds,public.keyless");
        settings.setProperty("snapshot.mode", "initial");
        settings.setProperty("decimal.handling.mode", "precise");
        settings.setProperty("time.precision.mode", "adaptive_time_microseconds");
        settings.setProperty("binary.handling.mode", "bytes");
        settings.setProperty("include.unknown.datatypes", "true");
        settings.setProperty("converters", "sourcevalues");
        settings.setProperty("sourcevalues.type", SourceValueConverter.class.getName());
        settings.setProperty("sourcevalues.unavailable-value-placeholder", PLACEHOLDER);
        settings.setProperty("driver.options", "-c IntervalStyle=postgres -c bytea_output=hex");
        settings.setProperty("publish.via.partition.root", "true");
        settings.setProperty("unavailable.value.placeholder", PLACEHOLDER);
        settings.setProperty("provide.transaction.metadata", "true");
        // Camel's Debezium consumer sets no tombstones after deletes.
        settings.setProperty("tombstones.on.delete", "false");
        return settings;
    }
}
