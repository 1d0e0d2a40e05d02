package io.livewarehouse.marts;

import io.livewarehouse.warehouse.DuckDbDialect;
import io.livewarehouse.warehouse.SnowflakeDialect;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Model planning on the project's own mart files, without a warehouse: inputs found in the SQL, every model
 * after the models it reads, on both dialects; a cycle refused; only the models whose source tables are
 * captured run; every model declared in a yml file, every table it reads declared in sources.yml.
 */
@Tag("unit")
class ModelCatalogTest {

    @Test
    void everyModelRunsAfterTheModelsItReads() {
        for (var dialect : List.of(new DuckDbDialect(), new SnowflakeDialect("STAGING", "MARTS", "_PIPELINE"))) {
            List<MartModel> ordered = ModelCatalog.load(MartFiles.classpath(), dialect);
            List<String> names = ordered.stream().map(MartModel::name).toList();
            assertThat(names).as(dialect.name()).contains("int_location", "dim_date", "dim_customer", "fact_rental", "obt_rental");
            for (MartModel model : ordered) {
                for (String input : model.inputs()) {
                    if (names.contains(input)) {
                        assertThat(names.indexOf(input)).as("%s reads %s on %s", model.name(), input, dialect.name())
                                .isLessThan(names.indexOf(model.name()));
                    }
                }
            }
        }
    }

    @Test
    void modelsThatReadEachOtherInACycleAreRefused() {
        Map<String, MartModel> models = new LinkedHashMap<>();
        models.put("a", model("a", "b"));
        models.put("b", model("b", "a"));
        models.put("c", model("c", "cur_x"));
        assertThatThrownBy(() -> ModelCatalog.ordered(models)).hasMessageContaining("cycle");
    }

    @Test
    void declarationOrderDoesNotMatterOnlyInputsDo() {
        Map<String, MartModel> models = new LinkedHashMap<>();
        models.put("fact", model("fact", "dim", "cur_x"));
        models.put("dim", model("dim", "base"));
        models.put("base", model("base", "cur_x"));
        assertThat(ModelCatalog.ordered(models)).extracting(MartModel::name).containsExactly("base", "dim", "fact");
    }

    @Test
    void onlyModelsWhoseSourceTablesAreCapturedApply() {
        List<MartModel> ordered = ModelCatalog.load(MartFiles.classpath(), new DuckDbDialect());
        List<String> locations = ModelCatalog.applicable(ordered, Set.of("address", "city", "country"))
                .stream().map(MartModel::name).toList();
        // int_location reads only those three; dim_date reads no source table; the rest need more.
        assertThat(locations).contains("int_location").doesNotContain("dim_customer", "fact_rental", "obt_rental");
        List<String> none = ModelCatalog.applicable(ordered, Set.of("some_other_table")).stream().map(MartModel::name).toList();
        assertThat(none).doesNotContain("int_location", "dim_customer");
    }

    @Test
    void aModelWithoutGrainOrKeyIsRefused() {
        assertThatThrownBy(() -> MartModel.parse("fact_x", "-- key: id\nselect 1", sql -> sql))
                .hasMessageContaining("grain");
        MartModel model = MartModel.parse("fact_x", "-- grain: one row per x\n-- key: id\n"
                + "delete from marts.fact_x where id = 1;\ninsert into marts.fact_x select * from marts.dim_y;\n", sql -> sql);
        assertThat(model.statements()).containsExactly("delete from marts.fact_x where id = 1",
                "insert into marts.fact_x select * from marts.dim_y");
    }

    @Test
    void inputsAreWhatTheSqlReads() {
        MartModel model = MartModel.parse("fact_x", """
                -- grain: one row per x
                -- key: id
                -- A comment naming marts.not_an_input is not read.
                with changed as (select id from staging.x where _cdc_loaded_at > :loaded_from)
                select c.id, d.name from changed as c
                join marts."dim_y" as d on d.id = c.id -- was marts.dim_old
                left join MARTS.cur_x as x on x.id = c.id and x.note <> 'marts.not_either' /* nor marts.this */
                left join marts.fact_x as self on self.id = c.id
                """, String::toUpperCase);
        // staging.x is read as the current state of x is: the model waits for and follows table x.
        assertThat(model.inputs()).containsExactly("cur_x", "dim_y");
        assertThat(model.statements().get(0)).as("qualified after the inputs were found").startsWith("WITH CHANGED");
        assertThatThrownBy(() -> MartModel.parse("fact_x", "-- grain: g\n-- key: id\n-- inputs: dim_z\n"
                + "select * from marts.dim_y", sql -> sql)).hasMessageContaining("declares '-- inputs: dim_z'")
                .hasMessageContaining("[dim_y]");
        assertThat(MartModel.parse("fact_x", "-- grain: g\n-- key: id\n-- inputs: dim_y, dim_date\nselect * from marts.dim_y",
                sql -> sql).inputs()).as("a header may add an input to run after").containsExactly("dim_y", "dim_date");
    }

    @Test
    void everyPackagedModelHasItsYmlAndReadsOnlyDeclaredSources() {
        Map<String, Object> schema = ModelCatalog.schema(MartFiles.classpath());
        Set<String> sources = ModelCatalog.sourceTables(schema);
        assertThat(sources).hasSize(15).contains("rental", "payment", "film_category");
        for (String sql : MartFiles.classpath().modelFiles(".sql")) {
            String name = sql.substring("models/".length(), sql.length() - 4);
            assertThat(MartFiles.classpath().modelFiles(".yml")).as("the yml beside " + sql).contains("models/" + name + ".yml");
        }
        MartModel payments = ModelCatalog.load(MartFiles.classpath(), new DuckDbDialect()).stream()
                .filter(model -> model.name().equals("fact_payment")).findFirst().orElseThrow();
        assertThat(payments.inputs()).containsExactlyInAnyOrder("cur_payment", "dim_customer", "dim_staff");
        assertThat(((List<?>) schema.get("reconciliation"))).hasSize(5);
    }

    @Test
    void aModelReadingAnUndeclaredSourceOrAnUndeclaredModelFileIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path models = java.nio.file.Files.createDirectories(dir.resolve("models"));
        java.nio.file.Files.writeString(models.resolve("sources.yml"), "sources:\n  - name: s\n    tables:\n      - name: orders\n");
        java.nio.file.Files.writeString(models.resolve("fact_order.yml"), "models:\n  - name: fact_order\n");
        java.nio.file.Files.writeString(models.resolve("fact_order.sql"), "-- grain: one row per order\n-- key: id\n"
                + "-- materialized: incremental\nselect id from marts.cur_orders where _cdc_loaded_at > :loaded_from");
        MartFiles files = MartFiles.folder(dir);
        assertThat(ModelCatalog.load(files, new DuckDbDialect())).extracting(MartModel::name).containsExactly("fact_order");

        java.nio.file.Files.writeString(models.resolve("fact_order.sql"), "-- grain: one row per order\n-- key: id\n"
                + "select id from marts.cur_ordres");
        assertThatThrownBy(() -> ModelCatalog.load(files, new DuckDbDialect())).hasMessageContaining("cur_ordres")
                .hasMessageContaining("sources.yml");

        java.nio.file.Files.writeString(models.resolve("fact_order.sql"), "-- grain: one row per order\n-- key: id\n"
                + "select id from marts.int_orders");
        assertThatThrownBy(() -> ModelCatalog.load(files, new DuckDbDialect())).hasMessageContaining("is cur_orders");

        java.nio.file.Files.writeString(models.resolve("dim_lost.sql"), "-- grain: g\n-- key: id\nselect 1");
        assertThatThrownBy(() -> ModelCatalog.schema(files)).hasMessageContaining("dim_lost")
                .hasMessageContaining("declared in no models/*.yml");
    }

    private static MartModel model(String name, String... inputs) {
        String from = java.util.Arrays.stream(inputs).map(input -> "marts." + input)
                .collect(java.util.stream.Collectors.joining(", "));
        return MartModel.parse(name, "-- grain: one row\n-- key: id\nselect 1 from " + from, sql -> sql);
    }
}
