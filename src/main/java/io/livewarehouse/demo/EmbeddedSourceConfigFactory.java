package io.livewarehouse.demo;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts the embedded DVD Rental source in the dev and test profiles when no {@code pipeline.source.host} is
 * configured, and supplies {@code pipeline.source.*} for it, the way Quarkus Dev Services do.
 *
 * <p>Why a config source factory: camel-quarkus starts routes, the Debezium consumer included, before any
 * {@code StartupEvent} observer or {@code @Startup} bean runs, and Camel resolves every route placeholder at
 * context start. Configuration is the one thing guaranteed to exist before that, so the database is started
 * while configuration is built.
 *
 * <p>It is not registered itself: {@code source.EmbeddedSourceSwitch} is, and creates it in the dev and test
 * profiles only, so that production never loads this package.
 *
 * <p>Configuration is built several times per JVM (build, runtime, every dev-mode reload, every test
 * profile), so the running server's port is kept in a system property and reused rather than started again.
 */
public class EmbeddedSourceConfigFactory implements ConfigSourceFactory {

    /** JVM-wide marker: survives dev-mode reloads, which load this class afresh. */
    static final String RUNNING_PORT_PROPERTY = "livewarehouse.embedded-source.port";

    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    private static final int ORDINAL = 275;

    /** application.properties has 250, .env 295, environment variables 300, system properties 400. */
    private static final int USER_SOURCE_MIN_ORDINAL = 100;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // Only ever created in the dev and test profiles (by EmbeddedSourceSwitch, which also gives the priority).
        if (isSetByUser(context, "pipeline.source.host")
                || !Boolean.parseBoolean(value(context, "pipeline.embedded.enabled", "true"))) {
            return List.of();
        }
        int port = ensureStarted(context);
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                "pipeline.source.host", "localhost",
                "pipeline.source.port", Integer.toString(port),
                "pipeline.source.database", EmbeddedSource.DATABASE,
                "pipeline.source.user", EmbeddedSource.USER));
        if (!isSetByUser(context, "pipeline.source.password")) {
            // The embedded cluster trusts local connections (any password works); Debezium insists on one.
            settings.put("pipeline.source.password", "embedded");
        }
        return List.of(new PropertiesConfigSource(settings, "embedded DVD Rental source", ORDINAL));
    }

    private static synchronized int ensureStarted(ConfigSourceContext context) {
        String running = System.getProperty(RUNNING_PORT_PROPERTY);
        if (running != null && isListening(Integer.parseInt(running))) {
            return Integer.parseInt(running);
        }
        Path dataDirectory = Path.of(value(context, "pipeline.embedded.data-dir", "data/embedded-postgres")).toAbsolutePath();
        int port = Integer.parseInt(value(context, "pipeline.embedded.port", "0"));
        int scale = Integer.parseInt(value(context, "pipeline.embedded.scale", "1"));
        long seed = Long.parseLong(value(context, "pipeline.embedded.seed", "20050524"));
        boolean fresh = Boolean.parseBoolean(value(context, "pipeline.embedded.fresh", "false"));
        try {
            if (fresh) {
                deleteRecursively(dataDirectory);
            }
            EmbeddedSource source = EmbeddedSource.start(dataDirectory, port, scale, seed);
            System.setProperty(RUNNING_PORT_PROPERTY, Integer.toString(source.port()));
            return source.port();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded source PostgreSQL in " + dataDirectory, e);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not load the embedded DVD Rental database", e);
        }
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Whether the user configured a value (properties file, .env, environment, system property). Values that
     * Quarkus recorded at build time come back in a low-ordinal source and do not count: they are our own
     * embedded settings seen while the application was built.
     */
    private static boolean isSetByUser(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() >= USER_SOURCE_MIN_ORDINAL
                && value.getConfigSourceOrdinal() != ORDINAL;
    }

    private static String value(ConfigSourceContext context, String name, String defaultValue) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null ? defaultValue : value.getValue();
    }
}
