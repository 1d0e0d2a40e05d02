package io.livewarehouse.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The source and warehouse groups of {@link PipelineSettings} as beans of their own, for the many that need one. */
@ApplicationScoped
public class SettingsGroups {

    @Produces
    @ApplicationScoped
    SourceSettings source(PipelineSettings settings) {
        return settings.source();
    }

    @Produces
    @ApplicationScoped
    WarehouseSettings warehouse(PipelineSettings settings) {
        return settings.warehouse();
    }
}
