package io.livewarehouse.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code pipeline.*} setting, as one tree (environment: {@code PIPELINE_*}). Values and the comments
 * that explain them live in application.properties and docs/configuration.md; this is their typed shape,
 * checked when the application starts (a value of the wrong type, or a required one missing, stops the start
 * naming the key). Classes take the group they need; the routes read the same keys as {@code {{...}}}
 * placeholders, and the classes Debezium instantiates itself look the tree up ({@link #current()}).
 */
@ConfigMapping(prefix = "pipeline")
public interface PipelineSettings {

    SourceSettings source();

    WarehouseSettings warehouse();

    Cdc cdc();

    Staging staging();

    Marts marts();

    Quality quality();

    Retention retention();

    Serving serving();

    State state();

    Log log();

    Embedded embedded();

    Simulator simulator();

    Security security();

    /** The settings for code that CDI does not create (Debezium's commit policy, converter). */
    static PipelineSettings current() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .unwrap(io.smallrye.config.SmallRyeConfig.class).getConfigMapping(PipelineSettings.class);
    }

    /** The change data capture: Debezium's name, slot, publication, snapshot and stream settings. */
    interface Cdc {
        String name();

        String slotName();

        String publicationName();

        /** Debezium's snapshot.mode (initial, no_data, ...). */
        String snapshotMode();

        /** debezium, copy or auto. */
        String snapshotMethod();

        /** resync or refuse. */
        String onLostSlot();

        boolean failoverSlot();

        long slotCheckIntervalMs();

        long heartbeatIntervalMs();

        Optional<String> heartbeatActionQuery();

        int maxBatchSize();

        long pollIntervalMs();

        int maxRetries();

        int maxQueueSize();

        String unavailableValuePlaceholder();
    }

    /** Staging batches, their commit, backpressure and dead letters. */
    interface Staging {
        int batchSize();

        long flushIntervalMs();

        /**
         * At idle (nothing buffered, nothing staged since the last stored offsets) the offsets alone are
         * committed at most this often: a source's heartbeats would otherwise make one warehouse transaction
         * a heartbeat, which on Snowflake keeps a virtual warehouse awake.
         */
        long idleCommitIntervalMs();

        int maxBufferedRows();

        long commitTimeoutMs();

        boolean deadLetterEnabled();

        int writeAttempts();
    }

    /** The mart cycle (routes/marts.yaml). */
    interface Marts {
        boolean enabled();

        long intervalMs();

        /** Mart files read from this folder instead of the packaged ones (dev mode: the sources). */
        Optional<String> modelsDir();
    }

    /** Data tests and reconciliation. */
    interface Quality {
        long intervalMs();

        long catchUpTimeoutMs();
    }

    /** Run-log retention (routes/retention.yaml). */
    interface Retention {
        int runLogDays();

        /** Quartz cron of the deletion. */
        String cron();
    }

    /** Mart exports and the marts API. */
    interface Serving {
        boolean exportEnabled();

        String exportDir();
    }

    /** Where the pipeline keeps its files (the DuckDB warehouse by default, exports). */
    interface State {
        Path dir();
    }

    interface Log {
        boolean json();
    }

    /**
     * The embedded source of dev and test (read by the demo while configuration is built, before this tree
     * exists; declared here so that the keys are known and typed).
     */
    interface Embedded {
        boolean enabled();

        int scale();

        long seed();

        String dataDir();

        int port();

        boolean fresh();
    }

    /** The demo's traffic simulator (dev and test). */
    interface Simulator {
        boolean enabled();

        int changesPerSecond();

        long startDelayMs();

        long seed();
    }

    /**
     * Who may read the pages and run the operations (io.livewarehouse.security): HTTP basic users with their
     * roles, each one's password from the environment, and OIDC bearer tokens when an issuer is set.
     */
    interface Security {
        boolean enabled();

        /** {@code name:role} entries; roles reader and operator. */
        Optional<List<String>> users();

        /** Per user, the password ({@code PIPELINE_SECURITY_PASSWORD_<NAME>}); never logged. */
        Map<String, String> password();

        Oidc oidc();

        interface Oidc {
            boolean enabled();

            Optional<String> authServerUrl();

            Optional<String> clientId();

            String rolesClaim();
        }
    }
}
