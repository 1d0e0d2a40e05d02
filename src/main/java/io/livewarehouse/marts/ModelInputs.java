package io.livewarehouse.marts;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a model's inputs say about its run in a cycle. An input is another model (declared) or the current
 * state of a source table ({@code cur_<table>}), which follows that table's staging change log.
 */
final class ModelInputs {

    private ModelInputs() {
    }

    /** The source table a current-state input follows, or null for an input that is not one. */
    static String sourceTable(String input, Set<String> declared) {
        return !declared.contains(input) && input.startsWith(CurrentState.PREFIX)
                ? input.substring(CurrentState.PREFIX.length()) : null;
    }

    /**
     * Whether the model must wait: an input model waits itself, or a source table it reads has no staging table
     * yet (during the first snapshot).
     */
    static boolean missing(MartModel model, Set<String> waiting, Set<String> declared, Collection<String> stagingTables) {
        return model.inputs().stream().anyMatch(input -> waiting.contains(input)
                || (sourceTable(input, declared) != null && !stagingTables.contains(sourceTable(input, declared))));
    }

    /**
     * When the model's inputs last changed: an input model at the end of the last window in which it changed
     * rows ({@code unknown}, the first cycle's limit, when not seen changing since the process started), a
     * source table at its newest staging load.
     */
    static OffsetDateTime newest(MartModel model, Set<String> declared, Map<String, OffsetDateTime> lastChange,
                                 OffsetDateTime unknown, Map<String, OffsetDateTime> newestLoads) {
        return model.inputs().stream().map(input -> declared.contains(input) ? lastChange.getOrDefault(input, unknown)
                        : sourceTable(input, declared) == null ? null : newestLoads.get(sourceTable(input, declared)))
                .filter(Objects::nonNull).max(OffsetDateTime::compareTo).orElse(ModelExecution.BEGINNING);
    }
}
