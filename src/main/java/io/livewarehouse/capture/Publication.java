package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The source publication the capture reads through ({@code pipeline.cdc.publication-name}): whether it exists,
 * which tables it lists, and making it list every captured table, under their own names, before a
 * replication slot exists. {@link CapturedTables} decides which tables those are.
 */
final class Publication {

    private static final Logger LOG = Logger.getLogger(Publication.class);

    private final String name;

    Publication(String name) {
        this.name = name;
    }

    boolean exists(Connection connection) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement("select 1 from pg_publication where pubname = ?")) {
            exists.setString(1, name);
            try (ResultSet row = exists.executeQuery()) {
                return row.next();
            }
        }
    }

    /** The tables the publication lists (schema.table, in order); none without a publication. */
    Set<String> tables(Connection connection) throws SQLException {
        Set<String> published = new java.util.LinkedHashSet<>();
        try (PreparedStatement tablesOf = connection.prepareStatement(
                "select schemaname || '.' || tablename from pg_publication_tables where pubname = ? order by 1")) {
            tablesOf.setString(1, name);
            try (ResultSet rows = tablesOf.executeQuery()) {
                while (rows.next()) {
                    published.add(rows.getString(1));
                }
            }
        }
        return published;
    }

    /**
     * The publication must exist, hold every captured table and send a partitioned table's changes under its
     * own name before the replication slot exists: pgoutput decodes each change with the catalog of its time.
     * Created as Debezium's "filtered" mode creates it, with publish_via_partition_root (and, on PostgreSQL 18,
     * the stored generated columns); a publication the user made without publish_via_partition_root is
     * refused when a captured table is partitioned, because its changes would arrive under the partitions'
     * names, which are not captured.
     */
    void ensure(Connection connection, Collection<CapturedTables.Table> captured) throws SQLException {
        Boolean viaRoot = null;
        Set<String> published = new HashSet<>();
        try (PreparedStatement exists = connection.prepareStatement(
                "select pubviaroot, puballtables from pg_publication where pubname = ?")) {
            exists.setString(1, name);
            try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                    viaRoot = row.getBoolean(1);
                    if (row.getBoolean(2)) {
                        throw new CapturedTables.Refused("publication " + name + " is FOR ALL TABLES; the pipeline "
                                + "needs one that lists the captured tables: drop it, or set pipeline.cdc.publication-name "
                                + "to another name, and the pipeline creates its own");
                    }
                }
            }
        }
        String quotedPublication = SourceConnections.quote(name);
        if (viaRoot == null) {
            String options = "publish_via_partition_root = true"
                    + (serverVersion(connection) >= 180000 ? ", publish_generated_columns = stored" : "");
            try (Statement statement = connection.createStatement()) {
                statement.execute("create publication " + quotedPublication + " for table "
                        + captured.stream().map(CapturedTables::quoted).collect(Collectors.joining(", "))
                        + " with (" + options + ")");
            }
            LOG.infof("Created publication %s for %d tables (%s)", name, captured.size(), options);
            return;
        }
        List<String> partitioned = captured.stream().filter(CapturedTables.Table::partitioned).map(t -> t.schema() + "." + t.name()).toList();
        if (!viaRoot && !partitioned.isEmpty()) {
            throw new CapturedTables.Refused("publication " + name + " sends the changes of partitioned "
                    + partitioned + " under their partitions' names, which are not captured: ALTER PUBLICATION "
                    + name + " SET (publish_via_partition_root = true)");
        }
        published.addAll(tables(connection));
        List<CapturedTables.Table> missing = captured.stream().filter(t -> !published.contains(t.schema() + "." + t.name())).toList();
        if (!missing.isEmpty()) {
            // Writers of an added table are kept out for the moment of the ALTER (SHARE conflicts with their
            // ROW EXCLUSIVE): a transaction that wrote to it before and committed after would otherwise be
            // decoded with neither the old publication nor the snapshot the table is then copied in.
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("set local lock_timeout = '60s'");
                for (CapturedTables.Table table : missing) {
                    statement.execute("lock table " + CapturedTables.quoted(table) + " in share mode");
                }
                statement.execute("alter publication " + quotedPublication + " add table "
                        + missing.stream().map(CapturedTables::quoted).collect(Collectors.joining(", ")));
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
            LOG.infof("Added %s to publication %s", missing.stream().map(t -> t.schema() + "." + t.name()).toList(),
                    name);
        }
    }

    /** Whether the publication sends stored generated columns (PostgreSQL 18's publish_generated_columns). */
    boolean publishesGeneratedColumns(Connection connection) throws SQLException {
        if (serverVersion(connection) < 180000) {
            return false;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "select pubgencols::text from pg_publication where pubname = ?")) {
            statement.setString(1, name);
            try (ResultSet row = statement.executeQuery()) {
                // A publication the pipeline is about to create will publish them.
                return !row.next() || "s".equals(row.getString(1));
            }
        }
    }

    private static int serverVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select current_setting('server_version_num')::int")) {
            row.next();
            return row.getInt(1);
        }
    }
}
