package io.livewarehouse.source;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.OptionalInt;

/**
 * The one door from production code to the demo: in the dev and test profiles it hands configuration over to
 * {@code io.livewarehouse.demo.EmbeddedSourceConfigFactory}, which starts the embedded DVD Rental source when
 * no source is configured. It names that class as a string and loads it only there, so the production profile
 * never loads a class of the demo package (ProdProfileIT checks the JVM's class-load log).
 *
 * <p>Why here and not in the demo package: Quarkus registers config source factories found in
 * {@code META-INF/services} when it builds, for every profile; the registered class itself must therefore be
 * one production may load.
 */
public class EmbeddedSourceSwitch implements ConfigSourceFactory {

    private static final String DEMO_FACTORY = "io.livewarehouse.demo.EmbeddedSourceConfigFactory";
    /** The demo factory's own priority (above application.properties, below the environment). */
    private static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> profiles = context.getProfiles();
        if (!profiles.contains("dev") && !profiles.contains("test")) {
            return List.of();
        }
        try {
            ConfigSourceFactory demo = (ConfigSourceFactory) Class.forName(DEMO_FACTORY, true,
                    EmbeddedSourceSwitch.class.getClassLoader()).getDeclaredConstructor().newInstance();
            return demo.getConfigSources(context);
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException("the demo's embedded source cannot be loaded: " + e, e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the demo's embedded source cannot be created: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
