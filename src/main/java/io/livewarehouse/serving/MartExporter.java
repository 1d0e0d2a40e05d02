package io.livewarehouse.serving;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.marts.MartRunner;
import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes each served mart to {@code <pipeline.serving.export-dir>/<mart>.parquet} after every mart cycle that
 * changed it, for tools that read files (the DuckDB file itself is locked by the pipeline). A file is
 * written beside its final name and moved into place, so a reader sees the previous export or the new one,
 * never half of one.
 *
 * <p>Fed by routes/marts.yaml: route {@code marts-changed} notes the marts a cycle changed ({@link #changed})
 * and wakes route {@code mart-exports} through a {@code seda:} queue, whose own thread writes the files
 * ({@link #drain}), so a mart cycle does not wait for them; changes that arrive while one runs are gathered
 * into the next. DuckDB only: with Snowflake, tools read the marts in Snowflake.
 */
@ApplicationScoped
@jakarta.inject.Named("martExporter")
public class MartExporter {

    private static final Logger LOG = Logger.getLogger(MartExporter.class);

    private final Warehouse warehouse;
    private final ServingQueries queries;
    private final MeterRegistry registry;
    private final boolean enabled;
    private final Path directory;
    private final Map<String, OffsetDateTime> exported = new ConcurrentHashMap<>();
    /** Marts changed since the exporting thread last looked, with the time of their latest change. */
    private final Map<String, OffsetDateTime> pending = new java.util.LinkedHashMap<>();

    public MartExporter(Warehouse warehouse, ServingQueries queries, MeterRegistry registry,
                        PipelineSettings settings) {
        boolean enabled = settings.serving().exportEnabled();
        String directory = settings.serving().exportDir();
        this.warehouse = warehouse;
        this.queries = queries;
        this.registry = registry;
        this.enabled = enabled && warehouse.dialect().exportsParquet();
        this.directory = Path.of(directory);
        if (enabled && !warehouse.dialect().exportsParquet()) {
            LOG.infof("Parquet exports are written by DuckDB only; with %s, tools read the marts there",
                    warehouse.dialect().name());
        }
    }

    /** Notes the marts a cycle changed, and every mart not exported yet by this process, for the next {@link #drain}. */
    public void changed(MartRunner.MartsChanged changed) {
        if (!enabled) {
            return;
        }
        synchronized (pending) {
            for (String mart : queries.servedMarts()) {
                if (changed.models().contains(mart) || !exported.containsKey(mart)) {
                    pending.put(mart, changed.at());
                }
            }
        }
    }

    /** Exports every noted mart, until none is left (a wake-up finding nothing noted returns at once). */
    public void drain() {
        while (true) {
            Map<String, OffsetDateTime> work;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    return;
                }
                work = new java.util.LinkedHashMap<>(pending);
                pending.clear();
            }
            work.forEach(this::export);
        }
    }

    /** Whether exports are written (configured, and the warehouse writes Parquet). */
    public boolean enabled() {
        return enabled;
    }

    /** When each mart was last exported by this process (the time of the mart change it holds). */
    public Map<String, OffsetDateTime> exported() {
        return new java.util.TreeMap<>(exported);
    }

    public Path directory() {
        return directory;
    }

    private void export(String mart, OffsetDateTime at) {
        WarehouseDialect dialect = warehouse.dialect();
        Path target = directory.resolve(mart + ".parquet");
        Path partial = directory.resolve(mart + ".parquet.partial");
        try {
            Files.createDirectories(directory);
            Files.deleteIfExists(partial);
            String file = "'" + partial.toAbsolutePath().toString().replace("'", "''") + "'";
            try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
                statement.execute(dialect.statement("export-parquet", Map.of("table", queries.table(mart), "file", file)));
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            exported.put(mart, at);
        } catch (Exception e) {
            // An export is a copy for readers: its failure is reported and retried at the next change.
            registry.counter("pipeline.serving.export.failures", "mart", mart).increment();
            LOG.warnf("Exporting %s to %s failed: %s", mart, target, e.getMessage());
            exported.remove(mart);
        }
    }
}
