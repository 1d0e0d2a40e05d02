package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.staging.StagedChange;
import io.livewarehouse.staging.StagingWriter;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.kafka.connect.data.Struct;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Step {@code convert} of the capture route: a Debezium record (its Kafka Connect structs and headers)
 * becomes a {@link CapturedEvent} holding the {@link StagedChange} staging takes: values in the warehouse's
 * types, the table's key columns (the primary key, or the key the capture chose for a table without one), the
 * CDC metadata. The record itself stays in the exchange property {@link #RECORD} for the dead-letter step.
 */
@ApplicationScoped
public class ChangeConversion implements Processor {

    /** The Debezium record's body as it arrived (the after-image), kept for a dead letter. */
    static final String RECORD = "LiveWarehouseRecord";

    private final ChangeEventConverter converter;
    private final CapturedTables capturedTables;

    public ChangeConversion(StagingWriter writer, CapturedTables capturedTables,
                            PipelineSettings settings) {
        this.converter = new ChangeEventConverter(settings.cdc().unavailableValuePlaceholder(), writer.dialect().dateRange(), writer.dialect().timestampRange());
        this.capturedTables = capturedTables;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        exchange.setProperty(RECORD, message.getBody());
        String operation = message.getHeader(DebeziumConstants.HEADER_OPERATION, String.class);
        Map<String, Object> source = message.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        if (operation == null || source == null) {
            throw new IllegalArgumentException("record without operation or source metadata");
        }
        int sequence = message.getHeader(TransactionSequencer.SEQUENCE, Integer.class);
        Struct row = "d".equals(operation)
                ? message.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class)
                : message.getBody(Struct.class);
        String schema = String.valueOf(source.get("schema"));
        CapturedTables.Table table = capturedTables.table(schema, String.valueOf(source.get("table")));
        List<String> keyColumns = table != null ? table.key()
                : ChangeEventConverter.keyColumns(message.getHeader(DebeziumConstants.HEADER_KEY, Struct.class));
        Set<String> skipped = table != null ? table.skipped() : Set.of();
        Supplier<Map<String, CapturedTables.SourceColumn>> columns = () -> table == null ? Map.of()
                : capturedTables.columnsNow(table);
        StagedChange change = converter.convert(operation, row, keyColumns, skipped, columns, source, sequence);
        // An update of a table keyed by something Debezium does not know (no primary key) may have moved
        // its key: the replica-identity step compares the old row's key with the new one's.
        Struct before = "u".equals(operation) && table != null && !table.primaryKey()
                ? message.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class) : null;
        StagedChange old = before == null ? null
                : converter.convert("d", before, keyColumns, skipped, columns, source, sequence);
        String snapshot = "r".equals(operation) ? String.valueOf(source.get("snapshot")) : null;
        message.setBody(new CapturedEvent(schema, table, snapshot, List.of(change), old));
    }
}
