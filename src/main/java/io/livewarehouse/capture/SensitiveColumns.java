package io.livewarehouse.capture;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.types.StagingColumn;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Source columns that reach staging only as a salted SHA-256 hash ({@code pipeline.source.column-hash-list}):
 * equal values keep equal hashes, so analysts can still count, join and group by them, but the value itself
 * never leaves the source. Columns that must not arrive at all are excluded from capture instead
 * ({@code pipeline.source.column-exclude-list}; {@code staff.password} by default).
 */
final class SensitiveColumns {

    private static final ColumnType HASH_TYPE = ColumnType.of(ColumnType.Kind.TEXT);

    /** Hashed column names by source table ("schema.table"). */
    private final Map<String, Set<String>> hashed = new HashMap<>();
    private final byte[] salt;

    /**
     * @param hashList comma-separated {@code schema.table.column} entries (may be blank)
     * @param salt     the salt (a secret from the environment), so that short values cannot be looked up
     */
    SensitiveColumns(String hashList, String salt) {
        this.salt = salt.getBytes(StandardCharsets.UTF_8);
        for (String entry : hashList.split(",")) {
            String column = entry.trim();
            if (column.isEmpty()) {
                continue;
            }
            int last = column.lastIndexOf('.');
            if (last < 0 || column.indexOf('.') == last) {
                throw new IllegalArgumentException("pipeline.source.column-hash-list: '" + column
                        + "' must be schema.table.column");
            }
            hashed.computeIfAbsent(column.substring(0, last), table -> new HashSet<>()).add(column.substring(last + 1));
        }
    }

    /** Whether {@code schema.table.column} is staged as its hash. */
    boolean hashes(String schema, String table, String column) {
        Set<String> columns = hashed.get(schema + "." + table);
        return columns != null && columns.contains(column);
    }

    boolean isEmpty() {
        return hashed.isEmpty();
    }

    /** The change with the values of the table's hashed columns replaced by their hashes (typed as text). */
    StagedChange apply(String schema, StagedChange change) {
        Set<String> columns = hashed.get(schema + "." + change.table());
        if (columns == null) {
            return change;
        }
        List<StagingColumn> types = new ArrayList<>(change.columns());
        Object[] values = change.values().clone();
        Map<String, String> invalid = change.invalidValues();
        for (int i = 0; i < types.size(); i++) {
            String name = types.get(i).name();
            if (columns.contains(name)) {
                types.set(i, new StagingColumn(name, HASH_TYPE, null, types.get(i).sourcePosition()));
                if (invalid.containsKey(name)) {
                    // A value the column's own type could not hold (a NaN): its text is hashed like any other,
                    // and never kept in _cdc_invalid, where it would arrive in clear.
                    values[i] = hash(invalid.get(name));
                    invalid = new java.util.LinkedHashMap<>(invalid);
                    invalid.remove(name);
                } else {
                    values[i] = values[i] == null ? null : hash(values[i]);
                }
            }
        }
        return new StagedChange(change.table(), List.copyOf(types), values, change.keyColumns(), change.operation(),
                change.lsn(), change.sequence(), change.transactionId(), change.sourceTimestamp(),
                change.unavailableColumns(), invalid);
    }

    String hash(Object value) {
        String text = value instanceof BigDecimal decimal ? decimal.toPlainString()
                : value instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes)
                : value.toString();
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(salt);
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
