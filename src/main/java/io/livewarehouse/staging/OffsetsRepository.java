package io.livewarehouse.staging;

import io.livewarehouse.warehouse.Warehouse;
import io.livewarehouse.warehouse.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** Debezium's offsets in {@code _pipeline.offsets}: written only inside a staging transaction, with its rows. */
final class OffsetsRepository {

    private final Warehouse warehouse;

    OffsetsRepository(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** The offsets stored with the last committed batch. */
    Map<String, String> read() throws SQLException {
        Map<String, String> offsets = new LinkedHashMap<>();
        try (Connection connection = warehouse.connect();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(warehouse.dialect().statement("read-offsets"))) {
            while (rows.next()) {
                offsets.put(rows.getString(1), rows.getString(2));
            }
        }
        return offsets;
    }

    /** Replaces the stored offsets of each key, in the caller's open transaction. */
    void write(Connection connection, Map<String, String> offsets, OffsetDateTime at) throws SQLException {
        WarehouseDialect dialect = warehouse.dialect();
        try (PreparedStatement delete = connection.prepareStatement(dialect.statement("delete-offset"));
             PreparedStatement insert = connection.prepareStatement(dialect.statement("insert-offset"))) {
            for (Map.Entry<String, String> offset : offsets.entrySet()) {
                delete.setString(1, offset.getKey());
                delete.executeUpdate();
                insert.setString(1, offset.getKey());
                insert.setString(2, offset.getValue());
                dialect.bind(insert, 3, at);
                insert.executeUpdate();
            }
        }
    }
}
