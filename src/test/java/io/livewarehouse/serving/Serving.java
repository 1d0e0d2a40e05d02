package io.livewarehouse.serving;

import io.livewarehouse.support.OwnCapture;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The serving tests' profile: own capture and warehouse, marts every second, exports in their own folder. */
public class Serving implements QuarkusTestProfile {

    static final String EXPORTS = "target/test-data/serving-exports";

    @Override
    public Map<String, String> getConfigOverrides() {
        return OwnCapture.named("serving",
                "pipeline.marts.enabled", "true",
                "pipeline.marts.interval-ms", "1000",
                "pipeline.quality.interval-ms", "3000",
                "pipeline.serving.export-dir", EXPORTS);
    }
}
