package io.livewarehouse.marts;

import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Set;

/**
 * The models a cycle runs, in dependency order ({@link ModelCatalog}): those declared in the mart files that
 * apply to the captured tables. With {@code pipeline.marts.models-dir} (dev mode) the files are read again
 * when they change: an edited model takes effect at the next cycle, and one that no longer parses is
 * reported while the models stay as they were.
 */
final class ModelSet {

    private static final Logger LOG = Logger.getLogger(ModelSet.class);

    private final MartFiles files;
    private final WarehouseDialect dialect;
    /** The captured source tables, by name: which models apply (see {@link ModelCatalog#applicable}). */
    private final Set<String> capturedTables;
    private volatile List<MartModel> models;
    private volatile Materializations materializations;
    /** Declared models that do not apply to the captured tables. */
    private volatile List<String> notApplicable = List.of();
    private String filesVersion;

    ModelSet(MartFiles files, WarehouseDialect dialect, Set<String> capturedTables) {
        this.files = files;
        this.dialect = dialect;
        this.capturedTables = capturedTables;
        this.filesVersion = files.version();
        this.models = applicable(ModelCatalog.load(files, dialect));
        this.materializations = new Materializations(files, dialect);
    }

    List<MartModel> models() {
        return models;
    }

    /** How the models declared {@code materialized} are kept, with the files' templates. */
    record Materializations(SlowlyChangingDimension scd2, IncrementalMerge incremental) {
        Materializations(MartFiles files, WarehouseDialect dialect) {
            this(new SlowlyChangingDimension(files, dialect), new IncrementalMerge(files, dialect));
        }
    }

    Materializations materializations() {
        return materializations;
    }

    List<String> names() {
        return models.stream().map(MartModel::name).toList();
    }

    /** A model's key columns, as its header says ({@code -- key:}), or null for no such model. */
    String key(String name) {
        return models.stream().filter(model -> model.name().equals(name)).map(MartModel::key).findFirst().orElse(null);
    }

    List<String> notApplicable() {
        return notApplicable;
    }

    /** Reads the files again when they changed; true when the models were replaced. */
    boolean reloadIfChanged() {
        String version = files.version();
        if (version.equals(filesVersion)) {
            return false;
        }
        filesVersion = version;
        try {
            List<MartModel> reloaded = applicable(ModelCatalog.load(files, dialect));
            materializations = new Materializations(files, dialect);
            models = reloaded;
            LOG.infof("Mart files changed in %s: %d models reloaded", files.describe(), reloaded.size());
            return true;
        } catch (RuntimeException e) {
            LOG.errorf("Mart files changed in %s but cannot be loaded; the models stay as they were: %s",
                    files.describe(), e.getMessage());
            return false;
        }
    }

    /** The models that apply to the captured tables; the others are named once in the log and in status. */
    private List<MartModel> applicable(List<MartModel> declared) {
        List<MartModel> applicable = ModelCatalog.applicable(declared, capturedTables);
        List<String> others = declared.stream().map(MartModel::name)
                .filter(name -> applicable.stream().noneMatch(model -> model.name().equals(name))).toList();
        if (!others.isEmpty() && !others.equals(notApplicable)) {
            LOG.infof("Marts: %d of %d models read source tables that are not captured (pipeline.source.tables) and do "
                    + "not run: %s. The current state of every captured table is kept in marts.cur_<table>.",
                    others.size(), declared.size(), others);
        }
        notApplicable = others;
        return applicable;
    }
}
