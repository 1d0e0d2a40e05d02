package io.livewarehouse.source;

import io.livewarehouse.config.PipelineSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates {@code pipeline.state.dir}, where the pipeline keeps offsets and other local state. */
@ApplicationScoped
public class StateDirectory {

    private final Path directory;

    public StateDirectory(PipelineSettings settings) {
        this.directory = settings.state().dir();
    }

    void create(@Observes StartupEvent startup) throws IOException {
        Files.createDirectories(directory);
    }

    public Path path() {
        return directory;
    }
}
