package io.livewarehouse.source;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates {@code pipeline.state.dir}, where the pipeline keeps offsets and other local state. */
@ApplicationScoped
public class StateDirectory {

    private final Path directory;

    public StateDirectory(@ConfigProperty(name = "pipeline.state.dir") Path directory) {
        this.directory = directory;
    }

    void create(@Observes StartupEvent startup) throws IOException {
        Files.createDirectories(directory);
    }

    public Path path() {
        return directory;
    }
}
