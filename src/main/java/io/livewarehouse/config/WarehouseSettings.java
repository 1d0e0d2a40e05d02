package io.livewarehouse.config;

import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Which warehouse the pipeline writes to, and where ({@code pipeline.warehouse}, a group of {@link PipelineSettings}). */
public interface WarehouseSettings {

    enum Kind { duckdb, snowflake }

    @WithDefault("duckdb")
    Kind kind();

    DuckDb duckdb();

    Snowflake snowflake();

    interface DuckDb {
        /** The DuckDB database file; its folder is created when missing. */
        @WithDefault("data/warehouse.duckdb")
        String path();

        /** DuckDB's memory_limit: its buffer pool's share of the process (DuckDB alone would take 80% of RAM). */
        @WithDefault("512MB")
        String memoryLimit();
    }

    /** Snowflake (pipeline.warehouse.kind=snowflake); secrets only from the environment. */
    interface Snowflake {
        /** The account identifier (orgname-accountname), giving https://ACCOUNT.snowflakecomputing.com. */
        Optional<String> account();

        /** A whole JDBC URL instead of the account (private link, a proxy, the test emulator). */
        Optional<String> url();

        Optional<String> user();

        /** Key-pair authentication: the PKCS#8 private key file (PEM) of the user's registered public key. */
        Optional<String> privateKeyFile();

        /** The private key's passphrase, when it is encrypted (env PIPELINE_WAREHOUSE_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE). */
        Optional<String> privateKeyPassphrase();

        /** Password authentication, when no key file is given (env PIPELINE_WAREHOUSE_SNOWFLAKE_PASSWORD). */
        Optional<String> password();

        Optional<String> role();

        /** The virtual warehouse the pipeline's queries run on. */
        Optional<String> warehouse();

        @WithDefault("DVD_RENTALS")
        String database();

        @WithDefault("STAGING")
        String stagingSchema();

        @WithDefault("MARTS")
        String martsSchema();

        /** Offsets, watermarks, run logs, dead letters, data test results. */
        @WithDefault("_PIPELINE")
        String pipelineSchema();

        @WithDefault("30")
        int loginTimeoutSeconds();

        /**
         * A staging batch's rows of one table from this many on are written to a file, PUT to a stage and
         * loaded with COPY INTO (two statements, whatever the count); fewer go as INSERTs of bound values
         * (one statement per 500 rows). 0: never.
         */
        @WithDefault("2000")
        int copyBatchRows();
    }
}
