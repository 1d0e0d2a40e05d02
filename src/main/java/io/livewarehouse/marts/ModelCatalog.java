package io.livewarehouse.marts;

import io.livewarehouse.warehouse.WarehouseDialect;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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

    @SuppressWarnings("unchecked")
    static List<MartModel> load(WarehouseDialect dialect) {
        Map<String, Object> schema = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(read("marts/models/schema.yml"));
        Map<String, MartModel> models = new LinkedHashMap<>();
        for (Map<String, Object> declared : (List<Map<String, Object>>) schema.get("models")) {
            String name = (String) declared.get("name");
            String sql = readOptional("marts/" + dialect.name() + "/" + name + ".sql");
            models.put(name, MartModel.parse(name, sql != null ? sql : read("marts/models/" + name + ".sql")));
        }
        return ordered(models);
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

    private static String read(String resource) {
        String text = readOptional(resource);
        if (text == null) {
            throw new IllegalArgumentException("missing class path resource " + resource);
        }
        return text;
    }

    private static String readOptional(String resource) {
        try (InputStream in = ModelCatalog.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
