package io.livewarehouse.staging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rows of {@code _pipeline.dead_letters}: a change staging could not take, with what is needed to find and replay it. */
final class DeadLetters {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetters() {
    }

    /** A converted change that staging refuses, and why. */
    static DeadLetter of(String table, StagedChange change, String error, OffsetDateTime at) {
        return new DeadLetter(table, keyJson(change), change.lsn(), payloadJson(change), error, at);
    }

    /** Inserts them in the caller's open transaction (the batch's, so they commit with its offsets). */
    static void write(Connection connection, WarehouseDialect dialect, List<DeadLetter> deadLetters) throws SQLException {
        if (deadLetters.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-dead-letter"))) {
            for (DeadLetter letter : deadLetters) {
                insert.setString(1, letter.table());
                insert.setString(2, letter.keyJson());
                dialect.bind(insert, 3, letter.lsn());
                insert.setString(4, letter.payloadJson());
                insert.setString(5, letter.error());
                dialect.bind(insert, 6, letter.failedAt());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    static String keyJson(StagedChange change) {
        Map<String, Object> key = new LinkedHashMap<>();
        for (int i = 0; i < change.columns().size(); i++) {
            if (change.keyColumns().contains(change.columns().get(i).name())) {
                key.put(change.columns().get(i).name(), String.valueOf(change.values()[i]));
            }
        }
        return toJson(key);
    }

    private static String payloadJson(StagedChange change) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("op", change.operation());
        payload.put("lsn", change.lsn());
        payload.put("seq", change.sequence());
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < change.columns().size(); i++) {
            row.put(change.columns().get(i).name(), change.values()[i] == null ? null : String.valueOf(change.values()[i]));
        }
        payload.put("row", row);
        return toJson(payload);
    }

    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }
}
