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
 * Model planning on the project's own mart files, without a warehouse: every model after the models it reads,
 * on both dialects; a cycle refused; only the models whose source tables are captured run.
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
        models.put("c", model("c", "int_x"));
        assertThatThrownBy(() -> ModelCatalog.ordered(models)).hasMessageContaining("cycle");
    }

    @Test
    void declarationOrderDoesNotMatterOnlyInputsDo() {
        Map<String, MartModel> models = new LinkedHashMap<>();
        models.put("fact", model("fact", "dim", "int_x"));
        models.put("dim", model("dim", "base"));
        models.put("base", model("base", "int_x"));
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
        assertThatThrownBy(() -> MartModel.parse("fact_x", "-- key: id\nselect 1"))
                .hasMessageContaining("grain");
        MartModel model = MartModel.parse("fact_x", "-- grain: one row per x\n-- key: id\n-- inputs: int_x, dim_y\n"
                + "delete from t where id = 1;\ninsert into t select 1;\n");
        assertThat(model.inputs()).containsExactly("int_x", "dim_y");
        assertThat(model.statements()).containsExactly("delete from t where id = 1", "insert into t select 1");
    }

    private static MartModel model(String name, String... inputs) {
        return MartModel.parse(name, "-- grain: one row\n-- key: id\n-- inputs: " + String.join(", ", inputs) + "\nselect 1");
    }
}
