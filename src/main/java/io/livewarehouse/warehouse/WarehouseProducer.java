package io.livewarehouse.warehouse;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.config.WarehouseSettings;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import java.nio.file.Path;
import java.sql.SQLException;

/** Chooses the warehouse from {@code pipeline.warehouse.kind}. */
@ApplicationScoped
public class WarehouseProducer {

    @Produces
    @ApplicationScoped
    @DefaultBean
    Warehouse warehouse(PipelineSettings pipeline) {
        WarehouseSettings settings = pipeline.warehouse();
        Path stateDirectory = pipeline.state().dir();
        return switch (settings.kind()) {
            case duckdb -> new DuckDbWarehouse(Path.of(settings.duckdb().path()), settings.duckdb().memoryLimit());
            case snowflake -> new SnowflakeWarehouse(settings.snowflake(), stateDirectory.resolve("snowflake"));
        };
    }

    void close(@Disposes Warehouse warehouse) throws SQLException {
        warehouse.close();
    }
}
