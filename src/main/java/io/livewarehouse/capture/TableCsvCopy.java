package io.livewarehouse.capture;

import io.livewarehouse.config.SourceSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.staging.PgJson;
import io.livewarehouse.staging.SnapshotCopy;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.ColumnType.Kind;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.warehouse.WarehouseDialect;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One captured table copied to a CSV file for the snapshot by COPY ({@link CopySnapshot}), inside the
 * snapshot the caller's transaction reads: each column selected in the staging form Debezium's events would
 * give it ({@link SourceColumnTypes}), values staging cannot hold kept as source text in {@code _cdc_invalid},
 * excluded and skipped columns left out, and hashed columns copied as the source prints them, for the
 * warehouse to hash as it loads (the salt never goes to the source).
 */
final class TableCsvCopy {

    private static final Logger LOG = Logger.getLogger(TableCsvCopy.class);

    private final CapturedTables capturedTables;
    private final WarehouseDialect dialect;
    private final Path directory;
    private final Set<String> excluded;
    private final SensitiveColumns hashed;

    TableCsvCopy(SourceSettings settings, CapturedTables capturedTables, WarehouseDialect dialect, Path directory) {
        this.capturedTables = capturedTables;
        this.dialect = dialect;
        this.directory = directory;
        this.excluded = columnSet(settings.columnExcludeList().orElse(""));
        // The salt is not needed here: hashed columns are hashed by the warehouse as it loads them.
        this.hashed = new SensitiveColumns(settings.columnHashList().orElse(""), "");
    }

    /** Copies one table (schema.table, as configured) to a CSV file in the directory, inside the caller's snapshot. */
    SnapshotCopy copy(Connection connection, String qualified) throws SQLException, IOException {
        CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        String[] parts = TableSettings.schemaAndTable(qualified);
        String schema = parts[0];
        String table = parts[1];
        List<StagingColumn> columns = new ArrayList<>();
        List<String> selects = new ArrayList<>();
        Set<String> hashedColumns = new HashSet<>();
        // Values staging cannot hold: per column, the condition and the source text, for _cdc_invalid.
        List<String> invalidConditions = new ArrayList<>();
        List<String> invalidEntries = new ArrayList<>();
        try (PreparedStatement describe = connection.prepareStatement(SourceColumnTypes.QUERY)) {
            describe.setString(1, schema);
            describe.setString(2, table);
            try (ResultSet row = describe.executeQuery()) {
                while (row.next()) {
                    String name = row.getString("name");
                    String column = schema + "." + table + "." + name;
                    if (excluded.contains(column) || capturedTables.table(schema, table).skipped().contains(name)) {
                        continue;
                    }
                    String quoted = SourceConnections.quote(name);
                    SourceColumnTypes.Mapped mapped = SourceColumnTypes.map(row, quoted,
                            dialect.dateRange(), dialect.timestampRange());
                    ColumnType type = mapped.type();
                    if (hashed.hashes(schema, table, name)) {
                        if (!SourceColumnTypes.hashableInSql(type)) {
                            throw new SQLException("pipeline.cdc.snapshot-method=copy cannot hash " + column + " ("
                                    + row.getString("type_name") + ") as the change stream does; use snapshot-method=debezium");
                        }
                        // Copied as the source prints it (the text the stream hashes, whatever the value) and
                        // hashed by the warehouse as it loads: the salt never goes to the source.
                        selects.add(quoted);
                        hashedColumns.add(name);
                        type = ColumnType.of(Kind.TEXT);
                    } else {
                        selects.add(mapped.value());
                        if (mapped.invalid() != null) {
                            invalidConditions.add(mapped.invalid());
                            invalidEntries.add("case when " + mapped.invalid() + " then "
                                    + sqlLiteral(PgJson.string(name) + ":") + " || to_json("
                                    + mapped.sourceText() + ")::text end");
                        }
                    }
                    columns.add(new StagingColumn(name, type, null, row.getInt("position")));
                }
            }
        }
        // The row's _cdc_invalid object, written as the stream writes it (PgJson): {"column":"text",...}.
        selects.add(invalidConditions.isEmpty() ? "null" : "case when " + String.join(" or ", invalidConditions)
                + " then '{' || concat_ws(',', " + String.join(", ", invalidEntries) + ") || '}' end");
        if (columns.isEmpty()) {
            throw new SQLException("source table " + qualified + " not found or without columns to capture");
        }
        List<String> key = capturedTables.table(schema, table).key();
        LOG.infof("Snapshot by COPY: copying %s.%s", schema, table);
        // A name any stage and SQL literal takes (PUT, COPY INTO's FILES); one table's file exists at a time.
        Path file = directory.resolve((schema + "." + table).replaceAll("[^A-Za-z0-9_.-]", "_") + ".csv");
        long rows;
        CsvRecordLengths lengths;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            lengths = new CsvRecordLengths(out);
            // Every value quoted, NULL unquoted: the warehouse tells an empty string from NULL.
            rows = copy.copyOut("copy (select " + String.join(", ", selects) + " from " + SourceConnections.quote(schema)
                    + "." + SourceConnections.quote(table) + ") to stdout with (format csv, force_quote *)", lengths);
        }
        return new SnapshotCopy(schema, table, columns, key, hashedColumns, file, rows, lengths.longest());
    }

    private static String sqlLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static Set<String> columnSet(String list) {
        Set<String> columns = new HashSet<>();
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                columns.add(entry.trim());
            }
        }
        return columns;
    }
}
