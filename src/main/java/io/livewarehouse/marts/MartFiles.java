package io.livewarehouse.marts;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.support.ClasspathText;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the mart files come from (models, schema.yml, macros, materializations): the class path, or, with
 * {@code pipeline.marts.models-dir} (dev mode: {@code src/main/resources/marts}), a folder read afresh
 * whenever a file in it changes, so that an edited model takes effect on the next cycle without a restart.
 * Such a folder holds the user's models ({@code models/schema.yml} and {@code models/<name>.sql}); the other
 * files come from the package when it does not have them.
 */
@ApplicationScoped
public class MartFiles {

    private final Path directory;

    @Inject
    public MartFiles(PipelineSettings settings) {
        this.directory = settings.marts().modelsDir().filter(dir -> !dir.isBlank()).map(dir -> Path.of(dir).toAbsolutePath()).orElse(null);
    }

    private MartFiles(Path directory) {
        this.directory = directory;
    }

    /** The files packaged with the application. */
    static MartFiles classpath() {
        return new MartFiles((Path) null);
    }

    /** A file's text by its path below marts/ ("models/dim_film.sql"); a missing file is an error. */
    String read(String path) {
        String text = readOptional(path);
        if (text == null) {
            throw new IllegalArgumentException("missing mart file " + describe() + "/" + path);
        }
        return text;
    }

    String readOptional(String path) {
        if (directory == null) {
            return ClasspathText.readOptional("marts/" + path);
        }
        Path file = directory.resolve(path);
        try {
            if (!Files.isRegularFile(file)) {
                // The models are the folder's own; the machinery beside them (materializations, a warehouse's
                // macros) is the packaged one unless the folder has its own, so a folder of models is enough.
                return path.startsWith("models/") ? null : ClasspathText.readOptional("marts/" + path);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Changes whenever a file is added, removed or edited; constant on the class path. */
    String version() {
        if (directory == null) {
            return "classpath";
        }
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).sorted().map(file -> {
                try {
                    return file + ":" + Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
                } catch (IOException e) {
                    return file + ":gone";
                }
            }).reduce("", (a, b) -> a + "|" + b);
        } catch (IOException e) {
            return "unreadable:" + e.getMessage();
        }
    }

    String describe() {
        return directory == null ? "classpath:marts" : directory.toString();
    }
}
