package io.livewarehouse.capture;

import io.livewarehouse.support.NamedSql;
import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.config.SourceSettings;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What the source says about the tables in {@code pipeline.source.tables}, checked each time the change
 * stream starts, before anything is read: each table's key, whether it is partitioned, the columns staging
 * never gets, and the publication that sends their changes.
 *
 * <p>Why at start: every way a table can be mis-captured is refused here with the fix in the message, rather
 * than found mid-stream or, worse, never: a partitioned table published under its partitions' names (its
 * changes would never arrive), a table listed together with one of its partitions (captured twice), a table
 * with no key to tell its rows apart (its current state could not be kept).
 */
@ApplicationScoped
public class CapturedTables {

    private static final Logger LOG = Logger.getLogger(CapturedTables.class);

    /**
     * One captured table. {@code key}: the columns that identify a row (the primary key, the key named in
     * pipeline.source.key-columns, the replica identity index, or every captured column when the table has
     * none of these and REPLICA IDENTITY FULL); {@code wholeRow} when it is every column; {@code primaryKey} when
     * it is the primary key (whose changes Debezium itself sends as a delete and an insert). {@code skipped}:
     * columns never staged (generated columns the publication does not send). {@code columns}: the source
     * columns as read at start.
     */
    public record Table(String schema, String name, boolean partitioned, List<String> key, boolean wholeRow,
                        Set<String> skipped, Map<String, SourceColumn> columns, boolean primaryKey) {
    }

    /**
     * A source column's position in its table (pg_attribute.attnum, which RENAME COLUMN keeps and no later
     * column reuses) and whether its default is a constant: Debezium parses a constant default into the
     * event's schema, and gives a computed one ({@code now()}, {@code nextval(...)}, {@code ('now'::text)::date})
     * as a type's zero (1970-01-01, 0), which is not the value existing rows read.
     */
    public record SourceColumn(int position, boolean constantDefault) {
    }

    /**
     * A default expression, as pg_get_expr prints it, that is one constant: a quoted literal or a number,
     * with at most one cast ({@code 'open'::text}, {@code 0}, {@code '-1'::integer}, {@code (-1.5)}); a second
     * cast ({@code ('now'::text)::date}) is a conversion run for each row, so not a constant.
     */
    private static final java.util.regex.Pattern CONSTANT_DEFAULT = java.util.regex.Pattern.compile(
            "(?:'(?:[^']|'')*'|\\(?-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?\\)?|true|false)"
                    + "(?:::[A-Za-z_][A-Za-z0-9_ .\"]*(?:\\([0-9, ]+\\))?(?:\\[\\])*)?");

    /** A table list that cannot be captured as configured: retrying does not help, changing the setting does. */
    public static final class Refused extends IllegalStateException {
        Refused(String message) {
            super(message);
        }
    }

    /** The catalog queries, in source/captured-tables.sql. */
    private static final NamedSql SQL = NamedSql.load("source/captured-tables.sql");

    private final SourceConnections source;
    private final SourceSettings settings;
    private final Publication publication;
    private final Map<String, List<String>> namedKeys;
    private final Set<String> excluded;
    private final Map<String, Table> tables = new ConcurrentHashMap<>();

    @jakarta.inject.Inject
    public CapturedTables(SourceConnections source, PipelineSettings settings) {
        this(source, settings.cdc().publicationName());
    }

    /** For tests: the capture of {@code source}'s tables through the publication of that name. */
    public CapturedTables(SourceConnections source, String publicationName) {
        this.source = source;
        this.settings = source.settings();
        this.publication = new Publication(publicationName);
        this.namedKeys = TableSettings.keyColumns(settings.keyColumns().orElse(""));
        this.excluded = Arrays.stream(settings.columnExcludeList().orElse("").split(","))
                .map(String::trim).filter(entry -> !entry.isEmpty()).collect(Collectors.toSet());
    }

    /**
     * The configured tables (schema.table) the publication does not list yet: added to
     * {@code pipeline.source.tables} since the publication was made, so their changes were never streamed and
     * they need a snapshot of their own. Empty when there is no publication yet (the first start).
     */
    public List<String> notPublished() throws SQLException {
        Set<String> published = new HashSet<>();
        try (Connection connection = source.open()) {
            if (!publication.exists(connection)) {
                return List.of();
            }
            published.addAll(publication.tables(connection));
        }
        return configured().stream().filter(t -> !published.contains(t)).toList();
    }

    /** The tables of {@code pipeline.source.tables}, each as schema.table. */
    public List<String> configured() {
        return settings.tables().stream().map(t -> String.join(".", TableSettings.schemaAndTable(t))).toList();
    }

    /**
     * The tables the publication lists that are no longer in {@code pipeline.source.tables}: removed from the
     * capture since the last start (Debezium then takes them out of the publication). Empty without a publication.
     */
    public List<String> noLongerConfigured() throws SQLException {
        List<String> configured = configured();
        try (Connection connection = source.open()) {
            return publication.tables(connection).stream().filter(t -> !configured.contains(t)).toList();
        }
    }

    /**
     * Reads and checks every captured table and makes sure the publication sends all of them under their own
     * names; throws, naming the table and the fix, when one cannot be captured faithfully.
     */
    public void prepare() throws SQLException {
        try (Connection connection = source.open()) {
            Map<String, Table> read = new LinkedHashMap<>();
            Map<String, List<String>> ancestors = new HashMap<>();
            List<String> problems = new ArrayList<>();
            boolean generatedPublished = publication.publishesGeneratedColumns(connection);
            for (String qualified : settings.tables()) {
                String[] parts = TableSettings.schemaAndTable(qualified);
                Table table = describe(connection, parts[0], parts[1], generatedPublished, problems, ancestors);
                if (table != null) {
                    read.put(table.schema() + "." + table.name(), table);
                }
            }
            for (Table table : read.values()) {
                for (String ancestor : ancestors.getOrDefault(table.schema() + "." + table.name(), List.of())) {
                    if (read.containsKey(ancestor)) {
                        problems.add(table.schema() + "." + table.name() + " is a partition of " + ancestor
                                + ", which is captured with all its partitions: remove " + table.schema() + "."
                                + table.name() + " from pipeline.source.tables");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new Refused(String.join("; ", problems));
            }
            publication.ensure(connection, read.values());
            tables.clear();
            tables.putAll(read);
        }
    }

    /**
     * The staging type each captured column of a table has now at the source, as the stream would stage it:
     * compared at start with what staging holds, to see which tables changed shape while the pipeline was
     * stopped.
     */
    public Map<String, io.livewarehouse.types.ColumnType> sourceShape(Table table) throws SQLException {
        Map<String, io.livewarehouse.types.ColumnType> shape = new LinkedHashMap<>();
        try (Connection connection = source.open();
             PreparedStatement describe = connection.prepareStatement(SourceColumnTypes.QUERY)) {
            describe.setString(1, table.schema());
            describe.setString(2, table.name());
            try (ResultSet row = describe.executeQuery()) {
                while (row.next()) {
                    String name = row.getString("name");
                    if (!excluded.contains(table.schema() + "." + table.name() + "." + name) && !table.skipped().contains(name)) {
                        shape.put(name, SourceColumnTypes.map(row, SourceConnections.quote(name),
                                io.livewarehouse.types.TemporalRange.UNBOUNDED,
                                io.livewarehouse.types.TemporalRange.UNBOUNDED).type());
                    }
                }
            }
        }
        return shape;
    }

    /** Every captured table, as read at the last start. */
    public java.util.Collection<Table> all() {
        return tables.values();
    }

    /** The captured table, as read at the last start, or null when it is not captured. */
    public Table table(String schema, String name) {
        return tables.get(schema + "." + name);
    }

    /**
     * The table's columns as the source has them now: asked when a table's events come with a new shape (a
     * column added or renamed since start). When the source cannot be asked, what was read at start.
     */
    public Map<String, SourceColumn> columnsNow(Table table) {
        try (Connection connection = source.open()) {
            return sourceColumns(connection, table.schema(), table.name());
        } catch (SQLException e) {
            LOG.debugf("Could not read the columns of %s.%s: %s", table.schema(), table.name(), e.getMessage());
            return table.columns();
        }
    }

    private static Map<String, SourceColumn> sourceColumns(Connection connection, String schema, String name)
            throws SQLException {
        Map<String, SourceColumn> columns = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement(SQL.get("table-columns"))) {
            query.setString(1, schema);
            query.setString(2, name);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), new SourceColumn(rows.getInt(2), isConstant(rows.getString(3))));
                }
            }
        }
        return Map.copyOf(columns);
    }

    /** Whether a default expression (pg_get_expr's text; null for none) is one constant. */
    static boolean isConstant(String expression) {
        return expression != null && CONSTANT_DEFAULT.matcher(expression.trim()).matches();
    }

    /** Reads one table; what cannot be captured goes to {@code problems}, its partition ancestors to {@code ancestors}. */
    private Table describe(Connection connection, String schema, String name, boolean generatedPublished,
                           List<String> problems, Map<String, List<String>> ancestors) throws SQLException {
        String qualified = schema + "." + name;
        try (PreparedStatement describe = connection.prepareStatement(SQL.get("describe-table"))) {
            describe.setString(1, schema);
            describe.setString(2, name);
            try (ResultSet row = describe.executeQuery()) {
                if (!row.next()) {
                    problems.add(qualified + " (pipeline.source.tables) is not a table of database " + settings.database());
                    return null;
                }
                ancestors.put(qualified, strings(row.getArray("ancestors")));
                boolean partitioned = "p".equals(row.getString("relkind"));
                String identity = row.getString("relreplident");
                List<String> primaryKey = strings(row.getArray("primary_key"));
                List<String> identityIndex = strings(row.getArray("identity_index"));
                List<String> columns = strings(row.getArray("columns"));
                // Virtual generated columns (PostgreSQL 18) are never published; stored ones when the publication
                // says so.
                Set<String> skipped = new HashSet<>(strings(row.getArray("virtual")));
                if (!generatedPublished) {
                    skipped.addAll(strings(row.getArray("generated")));
                }
                List<String> captured = columns.stream()
                        .filter(column -> !excluded.contains(qualified + "." + column) && !skipped.contains(column)).toList();
                List<String> named = namedKeys.get(qualified);
                KeyChoice.Chosen chosen = KeyChoice.choose(qualified, named, primaryKey, identityIndex, identity, captured,
                        problems);
                if (chosen == null) {
                    return null;
                }
                List<String> key = chosen.key();
                boolean wholeRow = chosen.wholeRow();
                List<String> excludedKey = key.stream().filter(column -> !captured.contains(column)).toList();
                if (!excludedKey.isEmpty()) {
                    problems.add("the key of " + qualified + " includes " + excludedKey + ", which is not captured "
                            + "(pipeline.source.column-exclude-list or a generated column)");
                    return null;
                }
                if (!skipped.isEmpty()) {
                    LOG.infof("%s: generated columns %s are not staged: the publication does not send them "
                            + "(PostgreSQL 18 can: publish_generated_columns = stored); compute them in the models", qualified, skipped);
                }
                return new Table(schema, name, partitioned, List.copyOf(key), wholeRow, Set.copyOf(skipped),
                        sourceColumns(connection, schema, name), named == null && !primaryKey.isEmpty());
            }
        }
    }

    static String quoted(Table table) {
        return SourceConnections.quote(table.schema()) + "." + SourceConnections.quote(table.name());
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (Object value : (Object[]) array.getArray()) {
            values.add(String.valueOf(value));
        }
        return values;
    }
}
