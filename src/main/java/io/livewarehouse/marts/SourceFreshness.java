package io.livewarehouse.marts;

import io.livewarehouse.staging.StagingCatalog;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The freshness of the sources, as dbt's {@code sources} declare it: per table, the age of its newest staged
 * change, read from {@code loaded_at_field} (by default {@code _cdc_source_ts}, the source commit time),
 * against {@code warn_after} and {@code error_after} ({@code {count: 1, period: hour}}; minute, hour or day).
 * Past warn_after the check warns (reported, readiness stays UP); past error_after it fails like any data
 * test. A table declares its own freshness or takes its source's; {@code freshness: null} declares none.
 */
final class SourceFreshness {

    /** One table's check; either threshold may be null. */
    record Check(String table, String field, Duration warnAfter, Duration errorAfter) {
    }

    static final String DEFAULT_FIELD = io.livewarehouse.staging.CdcColumns.SOURCE_TS;
    /** The model name under which a source table's results are recorded: source.rental. */
    static final String MODEL_PREFIX = "source.";

    private SourceFreshness() {
    }

    /** The checks sources.yml declares on the captured tables (names without schema). */
    @SuppressWarnings("unchecked")
    static List<Check> declared(Map<String, Object> schema, Set<String> captured) {
        List<Check> checks = new ArrayList<>();
        for (Object item : (List<Object>) schema.get("sources")) {
            Map<String, Object> source = (Map<String, Object>) item;
            String sourceField = (String) source.getOrDefault("loaded_at_field", DEFAULT_FIELD);
            Object sourceFreshness = source.get("freshness");
            for (Object tableItem : (List<Object>) source.getOrDefault("tables", List.of())) {
                Map<String, Object> table = (Map<String, Object>) tableItem;
                String name = (String) table.get("name");
                Object freshness = table.containsKey("freshness") ? table.get("freshness") : sourceFreshness;
                if (freshness == null || !captured.contains(name)) {
                    continue;
                }
                Map<String, Object> thresholds = (Map<String, Object>) freshness;
                Check check = new Check(name, (String) table.getOrDefault("loaded_at_field", sourceField),
                        duration(name, thresholds.get("warn_after")), duration(name, thresholds.get("error_after")));
                if (check.warnAfter() != null || check.errorAfter() != null) {
                    checks.add(check);
                }
            }
        }
        return checks;
    }

    /** Runs the checks whose staging table exists (during the first snapshot some do not yet). */
    static List<DataTests.Result> run(Connection marts, WarehouseDialect dialect, List<Check> checks, OffsetDateTime now)
            throws SQLException {
        return run(marts, dialect, checks, now, new java.util.HashMap<>());
    }

    /** As {@link #run(Connection, WarehouseDialect, List, OffsetDateTime)}, noting each table's newest change in {@code newest}. */
    static List<DataTests.Result> run(Connection marts, WarehouseDialect dialect, List<Check> checks, OffsetDateTime now,
                                      Map<String, OffsetDateTime> newest) throws SQLException {
        List<DataTests.Result> results = new ArrayList<>();
        if (checks.isEmpty()) {
            return results;
        }
        Set<String> staged = new HashSet<>(StagingCatalog.tables(marts, dialect));
        for (Check check : checks) {
            if (!staged.contains(check.table())) {
                continue;
            }
            String sql = dialect.statement("test-freshness", Map.of(
                    "table", dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(check.table()),
                    "field", dialect.quote(check.field())));
            OffsetDateTime newestChange;
            try (PreparedStatement statement = marts.prepareStatement(sql); ResultSet row = statement.executeQuery()) {
                row.next();
                newestChange = dialect.instant(row, 1);
            } catch (SQLException e) {
                results.add(new DataTests.Result(MODEL_PREFIX + check.table(), "freshness", "error", null, e.getMessage()));
                continue;
            }
            newest.put(check.table(), newestChange);
            results.add(judge(check, newestChange, now));
        }
        return results;
    }

    /**
     * The checks judged again at {@code now} from the newest changes an earlier run found ({@link #run} noted
     * them), without a query: while nothing new was staged they have not moved, but the sources grow older.
     */
    static List<DataTests.Result> rejudge(List<Check> checks, Map<String, OffsetDateTime> newest, OffsetDateTime now) {
        List<DataTests.Result> results = new ArrayList<>();
        for (Check check : checks) {
            if (newest.containsKey(check.table())) {
                results.add(judge(check, newest.get(check.table()), now));
            }
        }
        return results;
    }

    /** passed, warn or failed, with the age and the threshold it passed in the detail. */
    static DataTests.Result judge(Check check, OffsetDateTime newest, OffsetDateTime now) {
        Duration age = newest == null ? null : Duration.between(newest, now);
        String status = "passed";
        Duration limit = null;
        if (check.errorAfter() != null && (age == null || age.compareTo(check.errorAfter()) > 0)) {
            status = "failed";
            limit = check.errorAfter();
        } else if (check.warnAfter() != null && (age == null || age.compareTo(check.warnAfter()) > 0)) {
            status = "warn";
            limit = check.warnAfter();
        }
        String detail = (age == null ? "no change staged" : "newest change " + describe(age) + " ago")
                + (limit == null ? "" : ("failed".equals(status) ? "; error after " : "; warn after ") + describe(limit));
        return new DataTests.Result(MODEL_PREFIX + check.table(), "freshness", status, null, detail);
    }

    private static Duration duration(String table, Object threshold) {
        if (threshold == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> definition = (Map<String, Object>) threshold;
        Object count = definition.get("count");
        String period = String.valueOf(definition.get("period")).toLowerCase(Locale.ROOT);
        ChronoUnit unit = switch (period) {
            case "minute" -> ChronoUnit.MINUTES;
            case "hour" -> ChronoUnit.HOURS;
            case "day" -> ChronoUnit.DAYS;
            default -> throw new IllegalArgumentException("freshness of " + table + ": period '" + period
                    + "' is minute, hour or day");
        };
        if (!(count instanceof Number number) || number.longValue() <= 0) {
            throw new IllegalArgumentException("freshness of " + table + ": count is a positive number, not " + count);
        }
        return Duration.of(number.longValue(), unit);
    }

    private static String describe(Duration duration) {
        long minutes = duration.toMinutes();
        if (minutes < 1) {
            return duration.toSeconds() + " s";
        }
        if (minutes < 60) {
            return minutes + " min";
        }
        return minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
    }
}
