package io.livewarehouse.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Text resources on the class path (SQL files, the models' yml files), read as UTF-8. */
public final class ClasspathText {

    private ClasspathText() {
    }

    /** The resource's text; a missing resource is an error naming it. */
    public static String read(String resource) {
        String text = readOptional(resource);
        if (text == null) {
            throw new IllegalArgumentException("missing class path resource " + resource);
        }
        return text;
    }

    /** The resource's text, or null when there is no such resource. */
    public static String readOptional(String resource) {
        try (InputStream in = ClasspathText.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /**
     * The names of the resources beside {@code anchor} (a resource that must exist, such as
     * {@code marts/models/sources.yml}) whose names end with {@code suffix}, sorted: a folder of the class
     * path is listed where it lies, a directory (tests, dev mode) or the application's jar (the package).
     */
    public static List<String> siblings(String anchor, String suffix) {
        URL url = ClasspathText.class.getClassLoader().getResource(anchor);
        if (url == null) {
            throw new IllegalArgumentException("missing class path resource " + anchor);
        }
        String folder = anchor.substring(0, anchor.lastIndexOf('/') + 1);
        List<String> names = new ArrayList<>();
        try {
            if ("file".equals(url.getProtocol())) {
                try (Stream<Path> files = Files.list(Path.of(url.toURI()).getParent())) {
                    files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix))
                            .forEach(name -> names.add(folder + name));
                }
            } else if ("jar".equals(url.getProtocol())) {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().map(JarEntry::getName)
                            .filter(name -> name.startsWith(folder) && name.indexOf('/', folder.length()) < 0
                                    && name.endsWith(suffix))
                            .forEach(names::add);
                }
            } else {
                throw new IllegalStateException("cannot list the class path folder of " + url);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the class path folder of " + url, e);
        }
        names.sort(null);
        return names;
    }
}
