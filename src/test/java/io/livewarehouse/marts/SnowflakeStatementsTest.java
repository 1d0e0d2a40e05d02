package io.livewarehouse.marts;

import io.livewarehouse.staging.CdcColumns;
import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import io.livewarehouse.support.ClasspathText;
import io.livewarehouse.support.NamedSql;
import io.livewarehouse.warehouse.SnowflakeDialect;
import io.livewarehouse.warehouse.StageCommands;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The first layer of the offline proof for Snowflake: every statement the pipeline builds for Snowflake, from
 * the real DVD Rental schema and the real models, is generated here and parsed by JSqlParser, which knows
 * Snowflake's MERGE forms and QUALIFY. A syntax check, not proof that Snowflake accepts every function:
 * what only Snowflake can tell is listed in docs/snowflake.md (what is proven offline).
 */
@Tag("unit")
class SnowflakeStatementsTest {

    private static final Pattern TABLE = Pattern.compile("create table public\\.(\\w+) \\((.*?)\\n\\);", Pattern.DOTALL);
    private static final Pattern KEY = Pattern.compile(
            "alter table only public\\.(\\w+) add constraint \\w+ primary key \\(([^)]+)\\)");

    private final SnowflakeDialect dialect = new SnowflakeDialect("STAGING", "MARTS", "_PIPELINE");
    private final Map<String, List<StagingColumn>> sourceTables = sourceTables();
    private final Map<String, List<String>> keys = keys();

    @Test
    void stagingStatementsOfEverySourceTableParse() {
        assertThat(sourceTables).hasSize(15);
        for (Map.Entry<String, List<StagingColumn>> table : sourceTables.entrySet()) {
            String qualified = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table.getKey());
            List<StagingColumn> all = new ArrayList<>(table.getValue());
            all.addAll(CdcColumns.ALL);
            String columns = all.stream().map(c -> dialect.quote(c.name()) + " " + dialect.typeOf(c.type()))
                    .collect(Collectors.joining(",\n    "));
            parse(dialect.statement("create-staging-table", Map.of("table", qualified, "columns", columns)));
            StagingColumn last = table.getValue().get(table.getValue().size() - 1);
            Map<String, String> column = Map.of("table", qualified, "column", dialect.quote(last.name()),
                    "type", dialect.typeOf(last.type()));
            parse(dialect.statement("add-column", column));
            parse(dialect.statement("widen-column", column));
            String keyColumns = keys.get(table.getKey()).stream().map(k -> ", " + dialect.quote(k)).collect(Collectors.joining());
            String keyMatch = keys.get(table.getKey()).stream()
                    .map(k -> " and t." + dialect.quote(k) + " = copies." + dialect.quote(k)).collect(Collectors.joining());
            for (String replay : List.of("delete-replayed-changes", "delete-replayed-snapshot")) {
                parse(dialect.statement(replay, Map.of("table", qualified, "key_columns", keyColumns, "key_match", keyMatch)));
            }
            parse(dialect.statement("staging-high-water", Map.of("table", qualified)));
            // What the appender sends: one INSERT with a ? per column, bound as arrays.
            parse("insert into " + qualified + " (" + all.stream().map(c -> dialect.quote(c.name())).collect(Collectors.joining(", "))
                    + ") values (" + all.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")");
        }
    }

    @Test
    void currentStateMergeOfEverySourceTableParses() throws JSQLParserException {
        CurrentState currentState = new CurrentState(dialect);
        for (Map.Entry<String, List<StagingColumn>> table : sourceTables.entrySet()) {
            Map<String, String> columns = new LinkedHashMap<>();
            table.getValue().forEach(column -> columns.put(column.name(), dialect.typeOf(column.type())));
            String merge = currentState.mergeSql(table.getKey(), keys.get(table.getKey()), columns);
            assertThat(parse(merge)).isInstanceOf(Merge.class);
            assertThat(merge).as("Snowflake has no FILTER clause or struct_pack").doesNotContain("filter (", "struct_pack", "arg_max");
            assertThat(merge).contains("\"MARTS\".\"CUR_" + table.getKey().toUpperCase() + "\"");
        }
    }

    @Test
    void everyModelParsesWithSnowflakeMacrosAndSchemas() throws JSQLParserException {
        List<MartModel> models = ModelCatalog.load(MartFiles.classpath(), dialect);
        assertThat(models).extracting(MartModel::name).contains("dim_customer", "fact_payment", "obt_rental", "dim_date");
        SlowlyChangingDimension scd2 = new SlowlyChangingDimension(MartFiles.classpath(), dialect);
        IncrementalMerge incremental = new IncrementalMerge(MartFiles.classpath(), dialect);
        for (MartModel model : models) {
            for (String statement : model.statements()) {
                String bound = statement.replaceAll(":loaded_(from|through)\\b", "?");
                assertThat(bound).as(model.name()).doesNotContain("{{", "::", "generate_series", "strftime");
                parse(bound);
            }
            if (model.isSlowlyChanging()) {
                String select = model.statements().get(0).replaceAll(":loaded_(from|through)\\b", "?");
                List<String> attributes = new ArrayList<>();
                for (SelectItem<?> item : ((PlainSelect) ((Select) CCJSqlParserUtil.parse(select)).getPlainSelect()).getSelectItems()) {
                    String name = item.getAlias() != null ? item.getAlias().getName()
                            : item.getExpression().toString().replaceAll(".*\\.", "");
                    if (!name.equals(model.setting("natural_id")) && !List.of("changed_at", "is_deleted").contains(name)) {
                        attributes.add(name);
                    }
                }
                Map<String, String> tokens = scd2.tokens(model, select, attributes);
                List<String> templates = new ArrayList<>(List.of("scd2-changes", "scd2-create", "scd2-versions", "scd2-close", "scd2-open"));
                if (!model.untracked().isEmpty()) {
                    templates.add("scd2-update-untracked");
                }
                for (String template : templates) {
                    parse(scd2.statement(template, tokens));
                }
            }
            if (model.isIncremental()) {
                String select = model.statements().get(0).replaceAll(":loaded_(from|through)\\b", "?");
                List<String> produced = new ArrayList<>();
                for (SelectItem<?> item : ((PlainSelect) ((Select) CCJSqlParserUtil.parse(select)).getPlainSelect()).getSelectItems()) {
                    produced.add(item.getAlias() != null ? item.getAlias().getName()
                            : item.getExpression().toString().replaceAll(".*\\.", ""));
                }
                assertThat(produced).as(model.name()).containsAll(model.keyColumns());
                Map<String, String> tokens = incremental.tokens(model, select, produced);
                for (String template : List.of("incremental-changes", "incremental-create", "incremental-merge")) {
                    parse(incremental.statement(template, tokens));
                }
                // After the first run the SELECT is merged directly.
                tokens.put("source", "(" + select + ")");
                parse(incremental.statement("incremental-merge", tokens));
            }
        }
    }

    @Test
    void everyPipelineStatementParses() {
        NamedSql statements = NamedSql.layered("warehouse/pipeline.sql", "warehouse/snowflake/pipeline.sql");
        // Fragments (parts of merge-current-state) are parsed inside the MERGE above.
        List<String> fragments = List.of("current-state-latest-value", "current-state-carried", "current-state-deleted");
        Map<String, String> tokens = Map.ofEntries(
                Map.entry("table", "\"STAGING\".\"PAYMENT\""), Map.entry("model", "\"MARTS\".\"FACT_PAYMENT\""),
                Map.entry("column", "\"PAYMENT_ID\""), Map.entry("parent", "\"MARTS\".\"DIM_CUSTOMER\""),
                Map.entry("field", "\"CUSTOMER_KEY\""), Map.entry("values", "'G', 'PG'"),
                Map.entry("measure", "sum(amount)"), Map.entry("where", "true"), Map.entry("key", "\"PAYMENT_ID\""),
                Map.entry("mart_key", "\"PAYMENT_ID\""), Map.entry("staging_table", "\"STAGING\".\"PAYMENT\""),
                Map.entry("key_columns", ", \"PAYMENT_ID\""), Map.entry("key_match", " and t.\"PAYMENT_ID\" = copies.\"PAYMENT_ID\""),
                Map.entry("columns", "\"PAYMENT_ID\" NUMBER(10,0)"), Map.entry("type", "NUMBER(19,0)"),
                Map.entry("new_name", "\"REFUND_ID\""), Map.entry("new_table", "\"MARTS\".\"CUR_PAYMENT\""), Map.entry("default", "3"),
                Map.entry("source_columns", "\"PAYMENT_ID\", \"AMOUNT\""), Map.entry("partition_key", "\"PAYMENT_ID\""),
                Map.entry("load", "\"_PIPELINE\".\"SNAPSHOT_PAYMENT\""), Map.entry("load_columns", "\"C0\" VARCHAR, \"C_INVALID\" VARCHAR"),
                Map.entry("stage", "@\"_PIPELINE\".%\"SNAPSHOT_PAYMENT\""), Map.entry("file_url", "file:///tmp/snapshot/public.payment.csv"),
                Map.entry("files", "'public.payment.csv.gz'"), Map.entry("file", "@~/live_warehouse/STAGING/PAYMENT/batch-1.csv.gz"), Map.entry("staging_columns", "\"PAYMENT_ID\", \"_CDC_INVALID\""), Map.entry("expressions", "cast(\"C0\" as NUMBER(10,0)), parse_json(\"C_INVALID\")"),
                Map.entry("models", "?, ?"), Map.entry("rows", "(?, ?, ?), (?, ?, ?)"));
        assertThat(statements.names()).contains("create-offsets", "merge-current-state", "insert-watermark", "test-unique");
        for (String name : statements.names()) {
            if (fragments.contains(name) || name.equals("merge-current-state")) {
                continue;
            }
            String sql = dialect.statement(name, tokens);
            if (StageCommands.isPut(sql) || StageCommands.isCopy(sql)) {
                continue;
            }
            if (name.equals("remove-staging-batch")) {
                // A file command JSqlParser does not know either: its exact form.
                assertThat(sql).isEqualTo("remove @~/live_warehouse/STAGING/PAYMENT/batch-1.csv.gz");
                continue;
            }
            if (name.equals("rename-mart-table")) {
                // JSqlParser takes no schema in RENAME TO; Snowflake needs one, or the table moves to the
                // session's schema. Checked in its exact form instead.
                assertThat(sql).isEqualTo("alter table \"STAGING\".\"PAYMENT\" rename to \"MARTS\".\"CUR_PAYMENT\"");
                continue;
            }
            // camel-jdbc's named parameters (:?name, the run-log retention's) are bound as ? by camel-jdbc.
            for (String part : sql.replaceAll(":\\?\\w+", "?").split(";\\s*\\n")) {
                parse(part);
            }
        }
        // The same names as DuckDB's file, so that no code path finds a statement missing on Snowflake, but
        // for what only DuckDB offers: the snapshot copy's read of a local CSV file (Snowflake uploads it, see
        // put-snapshot-file) and the Parquet export (exportsParquet).
        NamedSql duckdb = NamedSql.layered("warehouse/pipeline.sql", "warehouse/duckdb/pipeline.sql");
        assertThat(statements.names()).containsAll(duckdb.names().stream()
                .filter(n -> !List.of("insert-snapshot-csv", "export-parquet").contains(n)).toList());
    }

    /**
     * PUT and COPY INTO, which JSqlParser does not parse, are read by {@link StageCommands} against Snowflake's
     * grammar and option names, and their options are the ones the snapshot's CSV needs.
     */
    @Test
    void theSnapshotUploadAndLoadHaveSnowflakesForm() {
        Map<String, String> tokens = Map.of("load", "\"_PIPELINE\".\"SNAPSHOT_PAYMENT\"",
                "stage", "@\"_PIPELINE\".%\"SNAPSHOT_PAYMENT\"", "file_url", "file:///tmp/snapshot 1/public.payment.csv",
                "files", "'public.payment.csv.gz'");
        StageCommands.Put put = StageCommands.put(dialect.statement("put-snapshot-file", tokens));
        assertThat(put.path()).isEqualTo("/tmp/snapshot 1/public.payment.csv");
        assertThat(put.stage()).isEqualTo("@\"_PIPELINE\".%\"SNAPSHOT_PAYMENT\"");
        assertThat(put.autoCompress()).isTrue();
        assertThat(put.overwrite()).isTrue();
        StageCommands.Copy copy = StageCommands.copy(dialect.statement("copy-snapshot-file", tokens));
        assertThat(copy.table()).isEqualTo("\"_PIPELINE\".\"SNAPSHOT_PAYMENT\"");
        assertThat(copy.stage()).isEqualTo(put.stage());
        assertThat(copy.files()).containsExactly("public.payment.csv.gz");
        // The source's COPY (csv, force_quote *): "" an empty string, an unenclosed empty field NULL, no escapes.
        assertThat(copy.format()).containsEntry("type", "csv").containsEntry("field_optionally_enclosed_by", "\"")
                .containsEntry("escape", "none").containsEntry("escape_unenclosed_field", "none")
                .containsEntry("null_if", "()").containsEntry("empty_field_as_null", "true")
                .containsEntry("compression", "gzip").containsEntry("error_on_column_count_mismatch", "true");
        assertThat(copy.options()).containsEntry("on_error", "abort_statement").containsEntry("force", "true")
                .doesNotContainKey("purge");
    }

    /** A large streaming batch's upload and load: a user stage (COPY takes a select only from one), in the batch's transaction. */
    @Test
    void aLargeBatchsUploadAndLoadHaveSnowflakesForm() {
        Map<String, String> tokens = Map.of("table", "\"STAGING\".\"PAYMENT\"", "columns", "\"PAYMENT_ID\", \"_CDC_INVALID\"",
                "expressions", "$1, parse_json($2)", "stage", "@~/live_warehouse/STAGING/PAYMENT/",
                "file_url", "file:///tmp/batch-1.csv.gz", "files", "'batch-1.csv.gz'");
        StageCommands.Put put = StageCommands.put(dialect.statement("put-staging-batch", tokens));
        assertThat(put.path()).isEqualTo("/tmp/batch-1.csv.gz");
        assertThat(put.stage()).isEqualTo("@~/live_warehouse/STAGING/PAYMENT/");
        assertThat(put.autoCompress()).as("the pipeline gzips the file itself").isFalse();
        assertThat(put.options()).containsEntry("source_compression", "gzip");
        StageCommands.Copy copy = StageCommands.copy(dialect.statement("copy-staging-batch", tokens));
        assertThat(copy.table()).isEqualTo("\"STAGING\".\"PAYMENT\"");
        assertThat(copy.columns()).isEqualTo("\"PAYMENT_ID\", \"_CDC_INVALID\"");
        assertThat(copy.select()).isEqualTo("$1, parse_json($2)");
        assertThat(copy.stage()).isEqualTo(put.stage());
        assertThat(copy.files()).containsExactly("batch-1.csv.gz");
        assertThat(copy.format()).containsEntry("type", "csv").containsEntry("field_optionally_enclosed_by", "\"")
                .containsEntry("escape", "none").containsEntry("null_if", "()").containsEntry("empty_field_as_null", "true")
                .containsEntry("compression", "gzip").containsEntry("binary_format", "hex")
                .containsEntry("date_format", "YYYY-MM-DD").containsEntry("time_format", "HH24:MI:SS.FF6")
                .containsEntry("timestamp_format", "YYYY-MM-DD HH24:MI:SS.FF6");
        assertThat(copy.options()).containsEntry("on_error", "abort_statement").containsEntry("purge", "true")
                .containsEntry("force", "true");
        // Snowflake takes no select from a table stage: the form the pipeline must not write.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StageCommands.copy(dialect.statement("copy-staging-batch",
                        new java.util.HashMap<>(tokens) {{ put("stage", "@\"STAGING\".%\"PAYMENT\""); }})))
                .hasMessageContaining("table stage");
    }

    @Test
    void namesFoldToUpperCaseAsSnowflakeDoes() {
        assertThat(dialect.quote("payment_id")).isEqualTo("\"PAYMENT_ID\"");
        assertThat(dialect.quote("Order")).isEqualTo("\"Order\"");
        assertThat(dialect.quote("two words")).isEqualTo("\"two words\"");
        assertThat(dialect.fromCatalog("PAYMENT_ID")).isEqualTo("payment_id");
        assertThat(dialect.fromCatalog("Order")).isEqualTo("Order");
        SnowflakeDialect renamed = new SnowflakeDialect("STAGING_DEV", "Marts", "_PIPELINE");
        assertThat(renamed.qualify("select 'marts.x' from marts.fact_payment join staging.payment using (payment_id)"))
                .isEqualTo("select 'marts.x' from \"Marts\".fact_payment join \"STAGING_DEV\".payment using (payment_id)");
    }

    @Test
    void everyColumnTypeComesBackFromTheCatalog() {
        for (ColumnType.Kind kind : ColumnType.Kind.values()) {
            ColumnType type = kind == ColumnType.Kind.DECIMAL ? ColumnType.decimal(9, 2) : ColumnType.of(kind);
            ColumnType expected = kind == ColumnType.Kind.REAL ? ColumnType.of(ColumnType.Kind.DOUBLE) : type;
            // The catalog writes NUMBER(p,s) (catalog-columns) and type names without their precision.
            String catalog = dialect.typeOf(type).startsWith("NUMBER") ? dialect.typeOf(type) : dialect.typeOf(type).replaceAll("\\(.*", "");
            assertThat(dialect.parseType(catalog)).as(kind.name()).isEqualTo(expected);
        }
    }

    @Test
    void theServingQueriesParse() {
        // The dashboard's, the marts pages' and the pipeline page's queries, as Snowflake would get them.
        NamedSql dashboard = NamedSql.load("serving/dashboard.sql");
        assertThat(dashboard.names()).contains("headline", "revenue-by-month", "late-returns-by-month");
        for (String name : dashboard.names()) {
            parse(dialect.qualify(dashboard.get(name)));
        }
        NamedSql serving = NamedSql.load("serving/serving.sql");
        Map<String, String> tokens = Map.of("table", dialect.qualify("marts." + dialect.quote("fact_rental")),
                "key", dialect.quote("rental_id"));
        for (String name : serving.names()) {
            parse(dialect.qualify(serving.get(name, tokens)));
        }
    }

    private static Statement parse(String sql) {
        try {
            return CCJSqlParserUtil.parse(sql);
        } catch (JSQLParserException e) {
            return fail("JSqlParser cannot parse:\n" + sql + "\n" + e.getMessage());
        }
    }

    /** The 15 source tables of the DVD Rental schema with the staging column types their columns get. */
    private static Map<String, List<StagingColumn>> sourceTables() {
        Map<String, List<StagingColumn>> tables = new LinkedHashMap<>();
        Matcher table = TABLE.matcher(ClasspathText.read("source/dvdrental-schema.sql"));
        while (table.find()) {
            List<StagingColumn> columns = new ArrayList<>();
            for (String line : table.group(2).split(",\\n")) {
                String[] parts = line.strip().split("\\s+", 2);
                columns.add(new StagingColumn(parts[0], type(parts[1])));
            }
            tables.put(table.group(1), columns);
        }
        return tables;
    }

    /** As the converter types them (see ChangeEventConverter): arrays as JSON, enums and domains as text. */
    private static ColumnType type(String postgres) {
        Matcher numeric = Pattern.compile("numeric\\((\\d+),(\\d+)\\).*").matcher(postgres);
        if (numeric.matches()) {
            return ColumnType.decimal(Integer.parseInt(numeric.group(1)), Integer.parseInt(numeric.group(2)));
        }
        if (postgres.contains("[]")) {
            return ColumnType.of(ColumnType.Kind.JSON);
        }
        String base = postgres.replaceAll(" default.*| not null.*", "");
        return ColumnType.of(switch (base.replaceAll("\\(.*", "")) {
            case "integer", "public.year" -> ColumnType.Kind.INTEGER;
            case "smallint" -> ColumnType.Kind.SMALLINT;
            case "bigint" -> ColumnType.Kind.BIGINT;
            case "boolean" -> ColumnType.Kind.BOOLEAN;
            case "bytea" -> ColumnType.Kind.BINARY;
            case "date" -> ColumnType.Kind.DATE;
            case "timestamp without time zone" -> ColumnType.Kind.TIMESTAMP;
            case "timestamp with time zone" -> ColumnType.Kind.TIMESTAMPTZ;
            default -> ColumnType.Kind.TEXT;
        });
    }

    private static Map<String, List<String>> keys() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        Matcher key = KEY.matcher(ClasspathText.read("source/dvdrental-schema.sql"));
        while (key.find()) {
            keys.put(key.group(1), List.of(key.group(2).split(",\\s*")));
        }
        return keys;
    }
}
