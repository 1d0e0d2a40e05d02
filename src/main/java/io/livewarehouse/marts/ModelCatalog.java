package io.livewarehouse.marts;

import io.livewarehouse.warehouse.WarehouseDialect;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mart models, as dbt lays them out: every {@code marts/models/*.yml} file may declare {@code models}
 * (each with its description and data tests), {@code sources} (the captured tables, with their freshness) and
 * {@code reconciliation} pairs; the packaged models have one yml beside each model's SQL and
 * {@code sources.yml}. A model's SQL is {@code marts/models/<name>.sql} or, where a warehouse needs its own,
 * {@code marts/<dialect>/<name>.sql}. Ordered so that every model runs after the models it reads
 * (intermediates, dimensions, then facts, then the one big table).
 */
final class ModelCatalog {

    private ModelCatalog() {
    }

    /**
     * Every models/*.yml merged: {@code models}, {@code sources} and {@code reconciliation}, each the items of
     * all files in file order. A model declared twice, or a models/*.sql file no yml declares, is an error.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> schema(MartFiles files) {
        Map<String, List<Object>> merged = new LinkedHashMap<>();
        for (String key : List.of("models", "sources", "reconciliation")) {
            merged.put(key, new ArrayList<>());
        }
        Load yaml = new Load(LoadSettings.builder().build());
        for (String path : files.modelFiles(".yml")) {
            Object parsed = yaml.loadFromString(files.read(path));
            if (parsed == null) {
                continue;
            }
            if (!(parsed instanceof Map<?, ?> document)) {
                throw new IllegalArgumentException("mart file " + path + " is not a YAML mapping");
            }
            for (Map.Entry<?, ?> entry : document.entrySet()) {
                if ("version".equals(entry.getKey())) {
                    continue; // dbt's "version: 2" says nothing here
                }
                List<Object> items = merged.get(String.valueOf(entry.getKey()));
                if (items == null) {
                    throw new IllegalArgumentException("mart file " + path + ": unknown key '" + entry.getKey()
                            + "' (models, sources, reconciliation)");
                }
                if (entry.getValue() instanceof List<?> list) {
                    items.addAll(list);
                } else if (entry.getValue() != null) {
                    throw new IllegalArgumentException("mart file " + path + ": '" + entry.getKey() + "' is a list ('- name: ...')");
                }
            }
        }
        Set<String> names = new HashSet<>();
        for (Object model : merged.get("models")) {
            String name = (String) ((Map<String, Object>) model).get("name");
            if (!names.add(name)) {
                throw new IllegalArgumentException("model " + name + " is declared twice in " + files.describe() + "/models");
            }
        }
        for (String sql : files.modelFiles(".sql")) {
            String name = sql.substring("models/".length(), sql.length() - ".sql".length());
            if (!names.contains(name)) {
                throw new IllegalArgumentException("model " + name + " (" + sql + ") is declared in no models/*.yml file");
            }
        }
        return new LinkedHashMap<>(merged);
    }

    /** The source tables sources.yml declares, by name (without schema). */
    @SuppressWarnings("unchecked")
    static Set<String> sourceTables(Map<String, Object> schema) {
        Set<String> tables = new LinkedHashSet<>();
        for (Object source : (List<Object>) schema.get("sources")) {
            for (Object table : (List<Object>) ((Map<String, Object>) source).getOrDefault("tables", List.of())) {
                tables.add((String) ((Map<String, Object>) table).get("name"));
            }
        }
        return tables;
    }

    @SuppressWarnings("unchecked")
    static List<MartModel> load(MartFiles files, WarehouseDialect dialect) {
        Map<String, MartModel> models = new LinkedHashMap<>();
        Macros macros = Macros.of(files, dialect.name());
        Map<String, Object> schema = schema(files);
        Set<String> sources = sourceTables(schema);
        for (Map<String, Object> declared : (List<Map<String, Object>>) (List<?>) schema.get("models")) {
            String name = (String) declared.get("name");
            String sql = files.readOptional(dialect.name() + "/" + name + ".sql");
            sql = sql != null ? sql : files.read("models/" + name + ".sql");
            models.put(name, MartModel.parse(name, macros.expand(sql), dialect::qualify));
        }
        for (MartModel model : models.values()) {
            for (String input : model.inputs()) {
                if (!models.containsKey(input) && input.startsWith(CurrentState.EARLIER_PREFIX)) {
                    // Models written before the current state had its own prefix read it as int_<table>.
                    throw new IllegalArgumentException("model " + model.name() + " reads " + input + ", which is no model: "
                            + "the current state of a source table is " + CurrentState.PREFIX
                            + input.substring(CurrentState.EARLIER_PREFIX.length()) + " (int_ names hand-written models)");
                }
            }
        }
        // As dbt's source(): what a model reads of the source is declared, so a misspelled table is an error
        // here, not a model that waits for ever for a staging table that will never come.
        if (!sources.isEmpty()) {
            for (MartModel model : models.values()) {
                for (String input : model.inputs()) {
                    if (!models.containsKey(input) && (!input.startsWith(CurrentState.PREFIX)
                            || !sources.contains(input.substring(CurrentState.PREFIX.length())))) {
                        throw new IllegalArgumentException("model " + model.name() + " reads " + input
                                + ", which is neither a model nor the current state of a table sources.yml declares");
                    }
                }
            }
        }
        return ordered(models);
    }

    /**
     * The models that can run on the captured tables (names without schema): those whose current-state inputs
     * ({@code cur_<table>}) are all captured and whose model inputs can run, in the same order. The models are
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
