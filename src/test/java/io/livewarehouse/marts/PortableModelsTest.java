package io.livewarehouse.marts;

import io.livewarehouse.support.ClasspathText;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared models stay SQL that DuckDB and Snowflake both run: DuckDB-only syntax belongs in
 * marts/duckdb/ (a whole model or a macro). Also the macro expansion and the model header contract.
 */
@Tag("unit")
class PortableModelsTest {

    /** DuckDB spellings Snowflake does not accept, with what to use instead. */
    private static final Map<Pattern, String> DUCKDB_ONLY = Map.of(
            Pattern.compile("::"), "cast(... as ...)",
            Pattern.compile("(?i)timestamptz\\s+'"), "a bound value or cast('...' as timestamp with time zone)",
            Pattern.compile("(?i)\\b(arg_max|arg_min|arg_max_null|json_contains|list_\\w+|strftime|string_agg|datediff|date_diff)\\s*\\("),
            "a macro in marts/<dialect>/macros.sql",
            Pattern.compile("(?i)\\bhugeint\\b"), "decimal(38,0)");

    @Test
    void sharedModelsUseNoDuckDbOnlySyntax() throws IOException {
        List<Path> models;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/marts/models"))) {
            models = files.filter(file -> file.toString().endsWith(".sql")).sorted().toList();
        }
        assertThat(models).isNotEmpty();
        for (Path model : models) {
            String code = Files.readAllLines(model).stream().filter(line -> !line.stripLeading().startsWith("--"))
                    .reduce("", (a, b) -> a + b + "\n");
            DUCKDB_ONLY.forEach((pattern, instead) -> assertThat(pattern.matcher(code).find())
                    .as("%s uses %s; use %s", model.getFileName(), pattern, instead).isFalse());
        }
        String materializations = ClasspathText.read("marts/materializations.sql");
        DUCKDB_ONLY.forEach((pattern, instead) -> assertThat(pattern.matcher(materializations).find())
                .as("materializations.sql uses %s; use %s", pattern, instead).isFalse());
    }

    @Test
    void macrosExpandWithTheirArgumentsInPlace() {
        Macros duckdb = Macros.of(MartFiles.classpath(), "duckdb");
        assertThat(duckdb.expand("select {{ string_agg_ordered(c.name, ', ') }} from t"))
                .isEqualTo("select string_agg(c.name, ', ' order by c.name) from t");
        assertThat(duckdb.expand("{{ days_between(coalesce(a, b), c) }} > 3"))
                .isEqualTo("datediff('day', coalesce(a, b), c) > 3");
        assertThat(Macros.arguments("f(a, b), 'x, y', c")).containsExactly("f(a, b)", "'x, y'", "c");
    }

    @Test
    void aSlowlyChangingModelMustNameItsKeys() {
        String header = "-- grain: one row per version\n-- key: k\n-- materialized: scd2\n";
        MartModel model = MartModel.parse("dim_x", header + "-- natural_id: x_id\n-- surrogate_key: x_key\n"
                + "-- untracked: note, remark\nselect 1 as x_id", sql -> sql);
        assertThat(model.isSlowlyChanging()).isTrue();
        assertThat(model.untracked()).containsExactly("note", "remark");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MartModel.parse("dim_y", header + "select 1 as y_id", sql -> sql))
                .hasMessageContaining("natural_id");
    }
}
