package io.livewarehouse.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SQL statements kept in a {@code .sql} resource, each introduced by a {@code -- name: some-name} line, so
 * that SQL stays in SQL files and Java refers to statements by name. Values are always bound with {@code ?}.
 */
public final class NamedSql {

    private static final Pattern NAME = Pattern.compile("^--\\s*name:\\s*(\\S+)\\s*$", Pattern.MULTILINE);

    private final String resource;
    private final Map<String, String> statements;

    private NamedSql(String resource, Map<String, String> statements) {
        this.resource = resource;
        this.statements = statements;
    }

    public static NamedSql load(String resource) {
        return of(resource, ClasspathText.read(resource));
    }

    /**
     * The statements every warehouse shares ({@code shared}) with a warehouse's own ({@code own}) on top: a
     * statement of the same name in {@code own} replaces the shared one.
     */
    public static NamedSql layered(String shared, String own) {
        Map<String, String> statements = new LinkedHashMap<>(parse(ClasspathText.read(shared)));
        statements.putAll(parse(ClasspathText.read(own)));
        return new NamedSql(own + " over " + shared, statements);
    }

    /** Statements from text read elsewhere; {@code name} says where, for error messages. */
    public static NamedSql of(String name, String text) {
        return new NamedSql(name, parse(text));
    }

    static Map<String, String> parse(String text) {
        Map<String, String> statements = new LinkedHashMap<>();
        Matcher matcher = NAME.matcher(text);
        String name = null;
        int start = 0;
        while (matcher.find()) {
            if (name != null) {
                statements.put(name, trim(text.substring(start, matcher.start())));
            }
            name = matcher.group(1);
            start = matcher.end();
        }
        if (name != null) {
            statements.put(name, trim(text.substring(start)));
        }
        return statements;
    }

    /** Drops whole-line comments (they describe the next statement) and the closing semicolon. */
    private static String trim(String statement) {
        String trimmed = statement.lines()
                .filter(line -> !line.stripLeading().startsWith("--"))
                .collect(java.util.stream.Collectors.joining("\n"))
                .strip();
        return trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    /** The statement with each {@code ${token}} replaced; tokens take identifiers already quoted, never values. */
    public String get(String name, Map<String, String> identifiers) {
        String statement = get(name);
        for (Map.Entry<String, String> token : identifiers.entrySet()) {
            statement = statement.replace("${" + token.getKey() + "}", token.getValue());
        }
        if (statement.contains("${")) {
            throw new IllegalArgumentException("unreplaced token in statement " + name + " of " + resource);
        }
        return statement;
    }

    /** The statements' names, in file order. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(statements.keySet());
    }

    public String get(String name) {
        String statement = statements.get(name);
        if (statement == null) {
            throw new IllegalArgumentException("no statement named " + name + " in " + resource);
        }
        return statement;
    }
}
