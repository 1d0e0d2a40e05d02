package io.livewarehouse.marts;

import io.livewarehouse.support.NamedSql;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few SQL expressions that differ between warehouses, as dbt's cross-database macros do: a model writes
 * {@code {{ string_agg_ordered(c.name, ', ') }}} and the dialect's {@code marts/<dialect>/macros.sql} says
 * what that is there ({@code -- name: string_agg_ordered} followed by its body, with {@code $1}, {@code $2}
 * standing for the arguments). Everything else in a model is SQL both warehouses run unchanged.
 */
final class Macros {

    private static final Pattern CALL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*\\((.*?)\\)\\s*}}", Pattern.DOTALL);

    private final NamedSql definitions;

    private Macros(NamedSql definitions) {
        this.definitions = definitions;
    }

    static Macros of(MartFiles files, String dialect) {
        String text = files.readOptional(dialect + "/macros.sql");
        return new Macros(text == null ? null : NamedSql.of(dialect + "/macros.sql", text));
    }

    String expand(String sql) {
        Matcher call = CALL.matcher(sql);
        StringBuilder expanded = new StringBuilder();
        while (call.find()) {
            if (definitions == null) {
                throw new IllegalArgumentException("macro " + call.group(1) + " is used but this warehouse defines none");
            }
            String body = definitions.get(call.group(1));
            List<String> arguments = arguments(call.group(2));
            // From the highest number down, so that $1 does not eat the start of $10.
            for (int i = arguments.size(); i >= 1; i--) {
                body = body.replace("$" + i, arguments.get(i - 1));
            }
            call.appendReplacement(expanded, Matcher.quoteReplacement(body));
        }
        call.appendTail(expanded);
        return expanded.toString();
    }

    /** Splits on the commas that are outside parentheses and quotes. */
    static List<String> arguments(String text) {
        List<String> arguments = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                arguments.add(text.substring(start, i).trim());
                start = i + 1;
            }
        }
        if (!text.isBlank()) {
            arguments.add(text.substring(start).trim());
        }
        return arguments;
    }
}
