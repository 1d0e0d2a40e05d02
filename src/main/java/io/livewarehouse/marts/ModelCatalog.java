package io.livewarehouse.marts;

import io.livewarehouse.warehouse.WarehouseDialect;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mart models declared in {@code marts/models/schema.yml}, read from {@code marts/models/<name>.sql} or,
 * where a warehouse needs its own SQL, {@code marts/<dialect>/<name>.sql}; ordered so that every model runs
 * after the models it reads (dimensions, then facts, then the one big table).
 */
final class ModelCatalog {

    private ModelCatalog() {
    }

    /** marts/models/schema.yml as parsed YAML: the models and the data tests declared beside them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> schema(MartFiles files) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(files.read("models/schema.yml"));
    }

    @SuppressWarnings("unchecked")
    static List<MartModel> load(MartFiles files, WarehouseDialect dialect) {
        Map<String, MartModel> models = new LinkedHashMap<>();
        Macros macros = Macros.of(files, dialect.name());
        for (Map<String, Object> declared : (List<Map<String, Object>>) schema(files).get("models")) {
            String name = (String) declared.get("name");
            String sql = files.readOptional(dialect.name() + "/" + name + ".sql");
            sql = sql != null ? sql : files.read("models/" + name + ".sql");
            models.put(name, MartModel.parse(name, dialect.qualify(macros.expand(sql))));
        }
        return ordered(models);
    }

    /**
     * The models that can run on the captured tables (names without schema): those whose current-state inputs
     * ({@code int_<table>}) are all captured and whose model inputs can run, in the same order. The models are
     * DVD Rental's: on another database they do not apply, and only the current-state tables are kept.
     */
    static List<MartModel> applicable(List<MartModel> ordered, Set<String> capturedTables) {
        List<MartModel> applicable = new ArrayList<>();
        Set<String> runnable = new HashSet<>();
        Set<String> declared = new HashSet<>();
        ordered.forEach(model -> declared.add(model.name()));
        for (MartModel model : ordered) {
            boolean runs = model.inputs().stream().allMatch(input -> declared.contains(input) ? runnable.contains(input)
                    : !input.startsWith(CurrentState.PREFIX) || capturedTables.contains(input.substring(CurrentState.PREFIX.length())));
            if (runs) {
                applicable.add(model);
                runnable.add(model.name());
            }
        }
        return applicable;
    }

    /** Dependency order; an input that is not a declared model (a current-state table) is always ready first. */
    static List<MartModel> ordered(Map<String, MartModel> models) {
        List<MartModel> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        while (ordered.size() < models.size()) {
            boolean progressed = false;
            for (MartModel model : models.values()) {
                if (!done.contains(model.name())
                        && model.inputs().stream().allMatch(input -> !models.containsKey(input) || done.contains(input))) {
                    ordered.add(model);
                    done.add(model.name());
                    progressed = true;
                }
            }
            if (!progressed) {
                throw new IllegalStateException("mart models depend on each other in a cycle: " + models.keySet());
            }
        }
        return ordered;
    }
}
