package io.livewarehouse.marts;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.support.ClasspathText;
import io.livewarehouse.support.NamedSql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the mart files come from (models with their yml files, sources.yml, macros, materializations): the class path, or, with
 * {@code pipeline.marts.models-dir} (dev mode: {@code src/main/resources/marts}), a folder read afresh
 * whenever a file in it changes, so that an edited model takes effect on the next cycle without a restart.
 * Such a folder holds the user's models ({@code models/<name>.sql}, declared with their tests in
 * {@code models/*.yml}); the other files come from the package when it does not have them.
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

    /** The models of a folder (as pipeline.marts.models-dir names one), the rest from the package. */
    static MartFiles folder(Path directory) {
        return new MartFiles(directory.toAbsolutePath());
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

    /**
     * The files of models/ whose names end with {@code suffix} ("models/dim_film.yml"), sorted. The packaged
     * models are found beside models/sources.yml, which every package of models has.
     */
    List<String> modelFiles(String suffix) {
        if (directory == null) {
            return ClasspathText.siblings("marts/models/sources.yml", suffix).stream()
                    .map(resource -> resource.substring("marts/".length())).toList();
        }
        Path models = directory.resolve("models");
        if (!Files.isDirectory(models)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(models)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix)).sorted()
                    .map(name -> "models/" + name).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + models, e);
        }
    }

    /** The materializations' statements (marts/materializations.sql, or the warehouse's own). */
    NamedSql materializations(String dialect) {
        String own = readOptional(dialect + "/materializations.sql");
        return NamedSql.of("materializations.sql", own != null ? own : read("materializations.sql"));
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
