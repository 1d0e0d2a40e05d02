package io.livewarehouse.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Text resources on the class path (SQL files, schema.yml), read as UTF-8. */
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
}
