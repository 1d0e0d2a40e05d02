package io.livewarehouse.capture;

import org.jboss.logging.Logger;

import java.util.List;

/**
 * How the rows of a captured table are told apart: the key {@code pipeline.source.key-columns} names (which
 * must lie within the replica identity, or PostgreSQL would not send its old values), else the primary key,
 * else the replica identity's index, else, under REPLICA IDENTITY FULL, all captured columns; a table with
 * none of these is refused with the ways out.
 */
final class KeyChoice {

    private static final Logger LOG = Logger.getLogger(KeyChoice.class);

    /** The chosen key; {@code wholeRow} when it is every captured column (REPLICA IDENTITY FULL, no key). */
    record Chosen(List<String> key, boolean wholeRow) {
    }

    private KeyChoice() {
    }

    /**
     * The key of table {@code qualified}, or null with the reason added to {@code problems}. {@code identity} is
     * pg_class.relreplident (d, n, f, i); {@code named} the configured key, or null.
     */
    static Chosen choose(String qualified, List<String> named, List<String> primaryKey, List<String> identityIndex,
                         String identity, List<String> captured, List<String> problems) {
        List<String> key;
        boolean wholeRow = false;
        if (named != null) {
            List<String> unknown = named.stream().filter(column -> !captured.contains(column)).toList();
            if (!unknown.isEmpty()) {
                problems.add("pipeline.source.key-columns names " + unknown + " for " + qualified
                        + ", which it does not have among its captured columns " + captured);
                return null;
            }
            key = named;
            List<String> identityColumns = "d".equals(identity) ? primaryKey
                    : "i".equals(identity) ? identityIndex : List.of();
            if (!identityColumns.isEmpty() && !identityColumns.containsAll(named)) {
                // An update that changes such a key would arrive without the key's old values, and the
                // row would stay in the current state under its old key beside its new one.
                problems.add("the key pipeline.source.key-columns names for " + qualified + " " + named
                        + " is not within its replica identity " + identityColumns + ", so PostgreSQL does "
                        + "not send its old values when an update changes it: ALTER TABLE " + qualified
                        + " REPLICA IDENTITY FULL, or name a key within " + identityColumns);
                return null;
            }
            if (primaryKey.isEmpty() && identityIndex.isEmpty() && !"f".equals(identity)) {
                LOG.warnf("%s has no primary key and REPLICA IDENTITY %s: PostgreSQL refuses its updates and "
                        + "deletes while it is published. For updates and deletes to reach staging: "
                        + "ALTER TABLE %s REPLICA IDENTITY FULL", qualified, identityName(identity), qualified);
            }
        } else if (!primaryKey.isEmpty()) {
            key = primaryKey;
        } else if ("i".equals(identity) && !identityIndex.isEmpty()) {
            key = identityIndex;
        } else if ("f".equals(identity)) {
            key = captured;
            wholeRow = true;
            LOG.infof("%s has no primary key: its rows are told apart by all their captured columns "
                    + "(REPLICA IDENTITY FULL); name a key in pipeline.source.key-columns if it has one", qualified);
        } else {
            problems.add(qualified + " has no primary key, so its rows cannot be told apart: name its key in "
                    + "pipeline.source.key-columns (for example " + qualified + "=" + String.join(",",
                    captured.stream().limit(2).toList()) + "), or ALTER TABLE " + qualified
                    + " REPLICA IDENTITY FULL to tell rows apart by all their columns");
            return null;
        }
        return new Chosen(key, wholeRow);
    }

    private static String identityName(String code) {
        return switch (code) {
            case "n" -> "NOTHING";
            case "i" -> "USING INDEX";
            case "f" -> "FULL";
            default -> "DEFAULT";
        };
    }
}
