package io.livewarehouse.capture;

import io.livewarehouse.staging.DeadLetter;
import io.livewarehouse.staging.StagingBuffer;
import io.livewarehouse.support.Messages;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * An event Debezium itself cannot turn into a record (a value its parser rejects before any converter runs,
 * say an interval too large for the JDBC driver's PGInterval) becomes a dead letter, and the stream goes on.
 *
 * <p>Why a log handler: Debezium's only choices for such an event are to stop the engine
 * ({@code event.processing.failure.handling.mode=fail}, the default: the engine then meets the same event at
 * every restart and never gets past it) or to log a warning and leave the event out ({@code warn}). The route
 * runs in {@code warn} mode, and this handler listens to exactly that warning of Debezium's EventDispatcher:
 * each one is an event left out, recorded here in {@code _pipeline.dead_letters} with its position, its
 * transaction and the error (with the value that failed to parse, when Debezium logged it just before), so
 * that nothing is left out in silence (with {@code pipeline.staging.dead-letter-enabled=false}, the pipeline stops
 * committing offsets instead, as for any change it cannot stage). Conversions of values Debezium does parse fail loudly too
 * ({@code event.converting.failure.handling.mode=fail}) instead of becoming NULL.
 */
@jakarta.inject.Singleton // no client proxy: created, and listening, where the capture is
public class DebeziumFailures {

    private static final Logger LOG = Logger.getLogger(DebeziumFailures.class);

    /** Where Debezium reports an event it left out ({@code handleEventProcessingFailure}). */
    static final String DISPATCHER = "io.debezium.pipeline.EventDispatcher";
    /** Where its value parsers log the text they could not parse, just before they throw. */
    static final String PARSERS = "io.debezium.connector.postgresql.connection";

    private final StagingBuffer buffer;
    private final MeterRegistry registry;
    private final boolean deadLetters;
    private final Handler handler = new Listener();
    /** The last parse error Debezium logged on each thread: the raw value, for the dead letter that follows. */
    private final ThreadLocal<String> lastParseError = new ThreadLocal<>();

    public DebeziumFailures(StagingBuffer buffer, MeterRegistry registry,
                            io.livewarehouse.config.PipelineSettings settings) {
        this.buffer = buffer;
        this.registry = registry;
        this.deadLetters = settings.staging().deadLetterEnabled();
    }

    /** Listening from the moment the capture exists (it needs this bean), before Debezium reads a record. */
    @jakarta.annotation.PostConstruct
    void start() {
        java.util.logging.Logger.getLogger(DISPATCHER).addHandler(handler);
        java.util.logging.Logger.getLogger(PARSERS).addHandler(handler);
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        java.util.logging.Logger.getLogger(DISPATCHER).removeHandler(handler);
        java.util.logging.Logger.getLogger(PARSERS).removeHandler(handler);
    }

    /** Records an event Debezium left out; {@code offset} is its position as Debezium gives it. */
    void leftOut(Object offset, Throwable error) {
        Map<String, Object> position = new LinkedHashMap<>();
        if (offset instanceof Map<?, ?> map) {
            map.forEach((key, value) -> position.put(String.valueOf(key), value));
        }
        Long lsn = position.get("lsn") instanceof Number number ? number.longValue() : null;
        StringBuilder reason = new StringBuilder("Debezium could not convert this event");
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            reason.append(": ").append(cause.getClass().getSimpleName()).append(' ').append(cause.getMessage());
        }
        String parse = lastParseError.get();
        lastParseError.remove();
        String payload = "{\"offset\":" + DebeziumValues.toJson(position)
                + (parse == null ? "" : ",\"debezium_log\":" + DebeziumValues.toJson(parse)) + "}";
        if (!deadLetters) {
            // Fail-fast: the event is not set aside; no offset after it is committed, so a restart meets it again.
            LOG.errorf("Debezium could not convert an event at LSN %s; fail-fast mode: no further offsets are "
                    + "committed until restart: %s", lsn, Messages.shorten(reason.toString()));
            buffer.poison("event at LSN " + lsn + ": " + Messages.shorten(reason.toString()));
            return;
        }
        registry.counter("pipeline.dead.letters", "table", "unknown", "stage", "debezium").increment();
        LOG.warnf("Dead letter: an event at LSN %s that Debezium could not convert: %s", lsn, Messages.shorten(reason.toString()));
        buffer.add(new DeadLetter(null, null, lsn, payload, Messages.shorten(reason.toString()),
                OffsetDateTime.now(ZoneOffset.UTC)));
    }

    private final class Listener extends Handler {
        @Override
        public void publish(LogRecord record) {
            try {
                if (DISPATCHER.equals(record.getLoggerName()) && record.getLevel().intValue() >= Level.WARNING.intValue()
                        && record.getMessage() != null && record.getMessage().contains("Error while processing event")) {
                    Object offset = null;
                    for (Object parameter : record.getParameters() == null ? new Object[0] : record.getParameters()) {
                        offset = parameter instanceof Map ? parameter : offset;
                    }
                    leftOut(offset, record.getThrown());
                } else if (record.getLoggerName() != null && record.getLoggerName().startsWith(PARSERS)
                        && record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    String text = record.getMessage();
                    Object[] parameters = record.getParameters();
                    if (parameters != null) {
                        text += " " + java.util.Arrays.toString(parameters);
                    }
                    lastParseError.set(Messages.shorten(text));
                }
            } catch (RuntimeException e) {
                // A log handler must never fail the code that logs.
                LOG.debug("Could not record an event Debezium left out", e);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
