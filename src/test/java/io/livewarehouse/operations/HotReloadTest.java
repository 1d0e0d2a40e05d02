package io.livewarehouse.operations;

import io.livewarehouse.capture.CaptureStatus;
import io.livewarehouse.marts.MartRunner;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.support.OwnCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What dev mode promises, on copies of the routes and mart files: editing a route file reloads its routes
 * while change data capture keeps running from where it was; editing a mart model takes effect on the next
 * refresh cycle, without a restart.
 */
@QuarkusTest
@TestProfile(HotReloadTest.Editable.class)
class HotReloadTest {

    static final Path ROUTES = Path.of("target/hot-reload/routes").toAbsolutePath();
    static final Path MARTS = Path.of("target/hot-reload/marts").toAbsolutePath();

    /** Routes and mart files read from folders the test edits, as dev mode reads the sources. */
    public static class Editable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            copy(Path.of("routes"), ROUTES);
            copy(Path.of("src/main/resources/marts"), MARTS);
            return OwnCapture.named("hot_reload",
                    "camel.main.routes-include-pattern", "file:" + ROUTES + "/*.yaml",
                    "camel.main.routes-reload-enabled", "true",
                    "camel.main.routes-reload-directory", ROUTES.toString(),
                    "camel.main.routes-reload-pattern", "*.yaml",
                    "camel.main.routes-reload-remove-all-routes", "false",
                    "pipeline.marts.models-dir", MARTS.toString());
        }
    }

    @Inject
    CamelContext camel;

    @Inject
    CaptureStatus capture;

    @Inject
    MartRunner runner;

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void anEditedRouteReloadsAloneAndAnEditedModelAppliesOnTheNextCycle() throws Exception {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        int engineStarts = capture.engineStarts();
        long rowsStaged = capture.events();

        // A route file edited: its routes come back as edited; capture is not touched.
        Path marts = ROUTES.resolve("marts.yaml");
        Files.writeString(marts, Files.readString(marts).replace("    id: marts-refresh\n",
                "    id: marts-refresh\n    description: edited while running\n"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                camel.getRoute("marts-refresh") != null
                        && "edited while running".equals(camel.getRoute("marts-refresh").getDescription()));
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.customer set first_name = 'Reloaded' where customer_id = 15");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        assertThat(capture.engineStarts()).as("the engine was not restarted").isEqualTo(engineStarts);
        assertThat(capture.engineState()).isEqualTo("running");
        // Streaming went on from its position: the change came as one event, not a new snapshot.
        assertThat(capture.events() - rowsStaged).isBetween(1L, 5L);

        // A model edited: the next cycle uses it.
        runner.refresh();
        try (Connection marts2 = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts2, "select max(customer_name) from marts.obt_rental where customer_id = 15"))
                    .asString().startsWith("Reloaded ");
        }
        Path obt = MARTS.resolve("models/obt_rental.sql");
        Files.writeString(obt, Files.readString(obt).replace("c.first_name || ' ' || c.last_name as customer_name",
                "upper(c.last_name) || ', ' || c.first_name as customer_name"));
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("update public.customer set first_name = 'Edited' where customer_id = 15");
        }
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        runner.refresh();
        try (Connection marts2 = warehouse.connect()) {
            assertThat(SourceDatabases.single(marts2, "select count(distinct customer_name) from marts.obt_rental "
                    + "where customer_id = 15")).isEqualTo(1L);
            assertThat(SourceDatabases.single(marts2, "select max(customer_name) from marts.obt_rental where customer_id = 15"))
                    .asString().matches("[A-Z' -]+, Edited");
        }
    }

    /** A fresh copy: a file left from an earlier build (a route file since removed) must not be read. */
    private static void copy(Path from, Path to) {
        if (Files.exists(to)) {
            try (Stream<Path> old = Files.walk(to)) {
                for (Path file : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
