package io.livewarehouse.config;

import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/**
 * Where the source PostgreSQL is ({@code pipeline.source}, a group of {@link PipelineSettings}). Validated when the application starts: in the prod profile a missing
 * {@code pipeline.source.host} stops the start with an error that names the setting (dev and test supply an
 * embedded source instead, see {@code io.livewarehouse.demo.EmbeddedSourceConfigFactory}).
 */
public interface SourceSettings {

    /** Host name of the source PostgreSQL. Required in production. */
    String host();

    @WithDefault("5432")
    int port();

    @WithDefault("dvdrental")
    String database();

    /** A role with REPLICATION and SELECT on the captured tables. */
    @WithDefault("postgres")
    String user();

    /** From the environment (PIPELINE_SOURCE_PASSWORD) only; never logged. */
    Optional<String> password();

    /** Tables to capture, schema-qualified. */
    List<String> tables();

    /** Source columns never captured (schema.table.column, comma-separated); staff.password by default. */
    Optional<String> columnExcludeList();

    /**
     * Keys of tables without a primary key: {@code schema.table=column[,column...]}, entries separated by ';'.
     * A table without primary key, named key or replica identity index needs REPLICA IDENTITY FULL, and is then
     * keyed by all its columns.
     */
    Optional<String> keyColumns();

    /** Source columns staged only as a salted SHA-256 hash (schema.table.column, comma-separated). */
    Optional<String> columnHashList();

    /** The salt of those hashes; from the environment (PIPELINE_SOURCE_HASH_SALT) only; never logged. */
    Optional<String> hashSalt();

    default String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
    }
}
