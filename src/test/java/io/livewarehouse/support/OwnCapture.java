package io.livewarehouse.support;

import java.util.HashMap;
import java.util.Map;

/**
 * Configuration of a test profile that runs beside the default one on the same embedded source: its own
 * capture (Debezium name, replication slot, publication, so its own offsets) and its own warehouse file.
 */
public final class OwnCapture {

    private OwnCapture() {
    }

    /** The profile's settings: {@code name} for the capture and the warehouse file, then key-value pairs. */
    public static Map<String, String> named(String name, String... settings) {
        Map<String, String> config = new HashMap<>(Map.of(
                "pipeline.cdc.name", name,
                "pipeline.cdc.slot-name", name,
                "pipeline.cdc.publication-name", name,
                "pipeline.warehouse.duckdb.path", "target/test-data/" + name + ".duckdb"));
        for (int i = 0; i + 1 < settings.length; i += 2) {
            config.put(settings[i], settings[i + 1]);
        }
        return config;
    }
}
