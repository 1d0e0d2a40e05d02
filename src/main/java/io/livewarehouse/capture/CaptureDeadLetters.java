package io.livewarehouse.capture;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.staging.DeadLetter;
import io.livewarehouse.staging.StagingBuffer;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.kafka.connect.data.Struct;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Step {@code dead-letter}, where the capture route's {@code onException} sends an event that any step failed
 * on. The Camel Debezium consumer commits the offset of an exchange whatever happened to it, so an event
 * that fails must be kept here or it is lost: it joins the staging batch as a row of
 * {@code _pipeline.dead_letters} (its key, position, images and the error), committed with the offsets that
 * pass it, and the stream goes on. With {@code pipeline.staging.dead-letter-enabled=false} the buffer is
 * poisoned instead: no further offsets are committed until a restart, which meets the event again.
 */
@ApplicationScoped
public class CaptureDeadLetters implements Processor {

    private static final Logger LOG = Logger.getLogger(CaptureDeadLetters.class);

    private final StagingBuffer buffer;
    private final StagingCommit commit;
    private final CaptureStatus status;
    private final MeterRegistry registry;
    private final boolean enabled;

    public CaptureDeadLetters(StagingBuffer buffer, StagingCommit commit, CaptureStatus status, MeterRegistry registry,
                              PipelineSettings settings) {
        this.buffer = buffer;
        this.commit = commit;
        this.status = status;
        this.registry = registry;
        this.enabled = settings.staging().deadLetterEnabled();
    }

    @Override
    public void process(Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Message message = exchange.getMessage();
        String identifier = ControlEvents.identifier(exchange);
        String reason = error == null ? "unknown failure"
                : error.getClass().getSimpleName() + ": " + error.getMessage();
        try {
            if (!enabled) {
                LOG.errorf(error, "Cannot stage %s; fail-fast mode: no further offsets are committed until restart", identifier);
                buffer.poison(reason);
                return;
            }
            Map<?, ?> source = message.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
            Object body = exchange.getProperty(ChangeConversion.RECORD, message.getBody(), Object.class);
            Long lsn = source != null && source.get("lsn") instanceof Number number ? number.longValue() : null;
            String table = source != null && source.get("table") != null ? source.get("table").toString() : identifier;
            registry.counter("pipeline.dead.letters", "table", String.valueOf(table), "stage", "capture").increment();
            LOG.warnf("Dead letter: %s event of %s at LSN %s: %s", message.getHeader(DebeziumConstants.HEADER_OPERATION),
                    table, lsn, reason);
            buffer.add(new DeadLetter(table, describe(message.getHeader(DebeziumConstants.HEADER_KEY)), lsn,
                    "{\"after\":" + describe(body) + ",\"before\":"
                            + describe(message.getHeader(DebeziumConstants.HEADER_BEFORE)) + "}",
                    reason, OffsetDateTime.now(ZoneOffset.UTC)));
            status.countDeadLetter();
        } catch (RuntimeException e) {
            // Even the dead letter could not be made: no offset may pass this event.
            LOG.errorf(e, "Cannot dead-letter %s; no further offsets are committed until restart", identifier);
            buffer.poison(reason);
            return;
        }
        commit.relieve();
    }

    /** A struct as JSON for a dead letter, as far as it can be rendered. */
    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        try {
            if (value instanceof Struct struct) {
                Map<String, Object> map = new LinkedHashMap<>();
                struct.schema().fields().forEach(field -> map.put(field.name(), String.valueOf(struct.get(field))));
                return DebeziumValues.toJson(map);
            }
            return DebeziumValues.toJson(String.valueOf(value));
        } catch (RuntimeException e) {
            return "\"(unrenderable)\"";
        }
    }
}
