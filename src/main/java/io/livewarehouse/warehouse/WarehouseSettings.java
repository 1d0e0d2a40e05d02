package io.livewarehouse.warehouse;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which warehouse the pipeline writes to, and where. */
@ConfigMapping(prefix = "pipeline.warehouse")
public interface WarehouseSettings {

    enum Kind { duckdb, snowflake }

    @WithDefault("duckdb")
    Kind kind();

    DuckDb duckdb();

    interface DuckDb {
        /** The DuckDB database file; its folder is created when missing. */
        @WithDefault("data/warehouse.duckdb")
        String path();

        /** DuckDB's memory_limit: its buffer pool's share of the process (DuckDB alone would take 80% of RAM). */
        @WithDefault("512MB")
        String memoryLimit();
    }
}
