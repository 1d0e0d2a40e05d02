package io.livewarehouse.marts;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The data tests declared in the models' yml files ({@code marts/models/*.yml}), as dbt declares them: per model
 * {@code unique_current}, per column {@code unique}, {@code not_null}, {@code accepted_values},
 * {@code relationships}; the {@code reconciliation} pairs of a source measure and a mart measure; and the
 * sources' freshness ({@link SourceFreshness}). Read again when the mart files change, so an edited yml
 * file applies at the next run.
 */
final class TestCatalog {

    /** One generic test: the named statement of warehouse/pipeline.sql it runs, with its identifiers and values. */
    record Test(String model, String name, String statement, Map<String, String> identifiers, List<String> values) {
    }

    /** One measure over a source table and a mart; keys name the rows of each that stand for one another. */
    record Reconciliation(String name, String model, String table, String sourceTable, String sourceKey,
                          String martKey, String martWhere, String measure) {
    }

    private final MartFiles files;
    private final WarehouseDialect dialect;
    /** The captured source tables, schema.table, as pipeline.source.tables lists them. */
    private final List<String> capturedTables;
    private String filesVersion;
    private List<Test> tests;
    private List<Reconciliation> reconciliations;
    private List<SourceFreshness.Check> freshness;

    TestCatalog(MartFiles files, WarehouseDialect dialect, List<String> capturedTables) {
        this.files = files;
        this.dialect = dialect;
        this.capturedTables = capturedTables.stream().map(String::trim).toList();
        this.filesVersion = files.version();
        declare();
    }

    /** Reads the yml files again when the mart files changed. */
    void refresh() {
        String version = files.version();
        if (!version.equals(filesVersion)) {
            filesVersion = version;
            declare();
        }
    }

    List<Test> tests() {
        return tests;
    }

    List<Reconciliation> reconciliations() {
        return reconciliations;
    }

    /** The freshness checks sources.yml declares on the captured tables. */
    List<SourceFreshness.Check> freshness() {
        return freshness;
    }

    @SuppressWarnings("unchecked")
    private void declare() {
        List<Test> tests = new ArrayList<>();
        List<Reconciliation> reconciliations = new ArrayList<>();
        Map<String, Object> schema = ModelCatalog.schema(files);
        for (Map<String, Object> model : (List<Map<String, Object>>) schema.get("models")) {
            String name = (String) model.get("name");
            String table = dialect.quote(dialect.martsSchema()) + "." + dialect.quote(name);
            for (Object modelTest : (List<Object>) model.getOrDefault("tests", List.of())) {
                Map<String, Object> definition = (Map<String, Object>) modelTest;
                String column = (String) definition.get("unique_current");
                tests.add(new Test(name, "unique_current_" + column, "test-unique-current",
                        Map.of("model", table, "column", dialect.quote(column)), List.of()));
            }
            for (Map<String, Object> column : (List<Map<String, Object>>) model.getOrDefault("columns", List.of())) {
                String columnName = (String) column.get("name");
                Map<String, String> identifiers = Map.of("model", table, "column", dialect.quote(columnName));
                for (Object declared : (List<Object>) column.getOrDefault("tests", List.of())) {
                    tests.add(columnTest(name, columnName, identifiers, declared));
                }
            }
        }
        for (Map<String, Object> pair : (List<Map<String, Object>>) schema.getOrDefault("reconciliation", List.of())) {
            Map<String, String> sourceSide = (Map<String, String>) pair.get("source");
            Map<String, String> martSide = (Map<String, String>) pair.get("mart");
            String sourceTable = sourceTable(sourceSide.get("table"));
            if (sourceTable == null) {
                continue;
            }
            reconciliations.add(new Reconciliation((String) pair.get("name"), martSide.get("model"),
                    sourceSide.get("table"), sourceTable, sourceSide.get("key"), martSide.get("key"), martSide.get("where"),
                    (String) pair.get("measure")));
        }
        this.freshness = SourceFreshness.declared(schema, capturedTables.stream()
                .map(table -> table.substring(table.indexOf('.') + 1)).collect(Collectors.toSet()));
        this.tests = List.copyOf(tests);
        this.reconciliations = List.copyOf(reconciliations);
    }

    @SuppressWarnings("unchecked")
    private Test columnTest(String model, String column, Map<String, String> identifiers, Object declared) {
        if (declared instanceof String kind) {
            return new Test(model, kind + "_" + column, "test-" + kind.replace('_', '-'), identifiers, List.of());
        }
        Map<String, Object> definition = (Map<String, Object>) declared;
        if (definition.containsKey("accepted_values")) {
            List<String> values = ((Map<String, List<Object>>) definition.get("accepted_values")).get("values")
                    .stream().map(String::valueOf).toList();
            Map<String, String> withValues = new HashMap<>(identifiers);
            withValues.put("values", values.stream().map(v -> "?").collect(Collectors.joining(", ")));
            return new Test(model, "accepted_values_" + column, "test-accepted-values", withValues, values);
        }
        if (definition.containsKey("relationships")) {
            Map<String, String> relationship = (Map<String, String>) definition.get("relationships");
            Map<String, String> withParent = new HashMap<>(identifiers);
            withParent.put("parent", dialect.quote(dialect.martsSchema()) + "." + dialect.quote(relationship.get("to")));
            withParent.put("field", dialect.quote(relationship.get("field")));
            return new Test(model, "relationships_" + column + "_" + relationship.get("to"),
                    "test-relationships", withParent, List.of());
        }
        throw new IllegalArgumentException("unknown data test " + definition + " on " + model + "." + column);
    }

    /**
     * The captured source table of that name, schema-qualified and quoted as pipeline.source.tables lists it,
     * or null when it is not captured (its reconciliation then does not apply).
     */
    private String sourceTable(String table) {
        return capturedTables.stream().filter(t -> t.endsWith("." + table)).findFirst()
                .map(t -> SourceConnections.quote(t.substring(0, t.indexOf('.'))) + "." + SourceConnections.quote(table))
                .orElse(null);
    }
}
