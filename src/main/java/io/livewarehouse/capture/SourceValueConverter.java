package io.livewarehouse.capture;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.data.SpecialValueDecimal;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import io.livewarehouse.capture.SourceTypes.Handling;
import org.apache.kafka.connect.data.SchemaBuilder;
import io.livewarehouse.config.PipelineSettings;
import org.jboss.logging.Logger;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.OffsetTime;
import java.util.Map;
import java.util.Properties;

/**
 * A Debezium custom converter (connector option {@code converters}) for the PostgreSQL types Debezium would
 * convert lossily or not at all: numeric (NaN and Infinity would stop the engine in the precise decimal mode),
 * money, intervals (approximated as microseconds), zoned times, ranges in the session's time zone, geometric
 * types (as structures), every array type, bit strings and whatever else Debezium does not know.
 *
 * <p>Each such column becomes an optional string field named {@link #LOGICAL_NAME} with the staging kind as
 * a parameter ({@code text}, {@code json}, {@code decimal} with {@code precision} and {@code scale}), holding
 * the value as PostgreSQL prints it (see {@link PostgresText}), which is also what the snapshot by COPY
 * stages. A value staging cannot hold (a numeric NaN in a DECIMAL column) is passed on as
 * {@link #INVALID} followed by its source text, so that {@link ChangeEventConverter} stages NULL and keeps
 * the text in {@code _cdc_invalid}. Nothing here throws: a conversion error would make Debezium drop the value
 * or stop, so whatever cannot be rendered is passed on as its plain text, or as invalid.
 */
public class SourceValueConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    private static final Logger LOG = Logger.getLogger(SourceValueConverter.class);

    public static final String LOGICAL_NAME = "io.livewarehouse.SourceValue";
    /** Starts a value staging cannot hold: PostgreSQL text never contains NUL, so this cannot be data. */
    public static final char INVALID = '\u0000';

    private String unavailablePlaceholder;

    @Override
    public void configure(Properties properties) {
        unavailablePlaceholder = properties.getProperty("unavailable-value-placeholder");
        if (unavailablePlaceholder == null) {
            unavailablePlaceholder = PipelineSettings.current().cdc().unavailableValuePlaceholder();
        }
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        String element = SourceTypes.arrayElement(column.nativeType(), column.typeName());
        String root = SourceTypes.rootName(column.nativeType(), column.typeName());
        int precision = column.length().orElse(0);
        int scale = column.scale().orElse(0);
        Handling handling = SourceTypes.handling(root, precision, scale, element != null);
        if (handling == Handling.NATIVE) {
            return;
        }
        SchemaBuilder schema = SchemaBuilder.string().optional().name(LOGICAL_NAME);
        String where = column.dataCollection() + "." + column.name();
        switch (handling) {
            case DECIMAL -> {
                schema.parameter("kind", "decimal").parameter("precision", Integer.toString(precision))
                        .parameter("scale", Integer.toString(scale));
                registration.register(schema, value -> safely(where, value, () -> decimal(value, scale)));
            }
            case MONEY -> {
                schema.parameter("kind", "decimal").parameter("precision", "19").parameter("scale", "2");
                registration.register(schema, value -> safely(where, value, () -> money(value)));
            }
            case ARRAY -> {
                schema.parameter("kind", "json");
                PostgresCompositeText.ElementKind kind = SourceTypes.elementKind(element);
                char delimiter = SourceTypes.delimiter(element);
                registration.register(schema, value -> safely(where, value, () -> PostgresCompositeText.arrayToJson(
                        text(value), kind, delimiter, item -> SourceTypes.canonicalElement(element, item))));
            }
            default -> {
                schema.parameter("kind", "text");
                registration.register(schema, value -> safely(where, value, () -> switch (handling) {
                    case NUMERIC_TEXT -> numericText(value);
                    case INTERVAL -> value instanceof PGInterval interval ? PostgresText.interval(interval) : text(value);
                    case TIMETZ -> value instanceof OffsetTime time ? PostgresText.timeWithZoneUtc(time)
                            : PostgresText.timeWithZoneUtc(text(value));
                    case TSTZRANGE -> PostgresCompositeText.range(text(value), PostgresText::timestampWithZoneUtc);
                    case GEOMETRIC -> {
                        String geometric = PostgresText.geometric(value);
                        yield geometric != null ? geometric : text(value);
                    }
                    default -> value instanceof Map<?, ?> map ? PostgresCompositeText.hstore(map) : text(value);
                }));
            }
        }
    }

    private interface Rendering {
        String render() throws Exception;
    }

    /** Renders a value, never throwing: null stays null, an unchanged TOAST value becomes the placeholder. */
    private Object safely(String where, Object value, Rendering rendering) {
        if (value == null) {
            return null;
        }
        if (UnchangedToastedReplicationMessageColumn.isUnchangedToastedValue(value)) {
            return unavailablePlaceholder;
        }
        try {
            return rendering.render();
        } catch (Exception | LinkageError e) {
            String raw = fallbackText(value);
            LOG.warnf("Cannot render %s value of %s as PostgreSQL prints it (%s); staged as invalid: %s",
                    value.getClass().getSimpleName(), where, e.getMessage(), raw);
            return INVALID + raw;
        }
    }

    private static String decimal(Object value, int scale) {
        BigDecimal decimal = bigDecimal(value);
        if (decimal == null) {
            return INVALID + special(value);
        }
        return decimal.setScale(scale, RoundingMode.UNNECESSARY).toPlainString();
    }

    private static String numericText(Object value) {
        BigDecimal decimal = bigDecimal(value);
        return decimal == null ? special(value) : decimal.toPlainString();
    }

    private static String money(Object value) {
        BigDecimal amount = value instanceof Number number && !(value instanceof BigDecimal)
                ? BigDecimal.valueOf(number.doubleValue()) : bigDecimal(value);
        if (amount == null) {
            return INVALID + text(value);
        }
        BigDecimal cents = amount.setScale(2, RoundingMode.HALF_EVEN);
        return cents.compareTo(amount) == 0 ? cents.toPlainString() : INVALID + amount.toPlainString();
    }

    /** The value of a numeric, or null for NaN and the infinities. */
    private static BigDecimal bigDecimal(Object value) {
        if (value instanceof SpecialValueDecimal special) {
            return special.getDecimalValue().orElse(null);
        }
        if (value instanceof BigDecimal decimal) {
            return decimal;
        }
        if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            return Double.isNaN(number) || Double.isInfinite(number) ? null : BigDecimal.valueOf(number);
        }
        if (value instanceof Number number) {
            return new BigDecimal(number.toString());
        }
        String text = text(value).trim();
        return switch (text) {
            case "NaN", "Infinity", "-Infinity", "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY" -> null;
            default -> new BigDecimal(text);
        };
    }

    /** NaN, Infinity or -Infinity as PostgreSQL prints them. */
    private static String special(Object value) {
        String name = value instanceof Number number ? Double.toString(number.doubleValue()) : String.valueOf(value);
        return switch (name) {
            case "NAN", "NaN" -> "NaN";
            case "POSITIVE_INFINITY", "Infinity" -> "Infinity";
            case "NEGATIVE_INFINITY", "-Infinity" -> "-Infinity";
            default -> name;
        };
    }

    /** A value Debezium handed over as the source's text (or a driver object holding it). */
    private static String text(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof PGobject object) {
            return object.getValue();
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof java.nio.ByteBuffer buffer) {
            java.nio.ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        // PgArray (and java.sql.Array generally) prints the array literal it was read from.
        return String.valueOf(value);
    }

    private static String fallbackText(Object value) {
        try {
            return text(value);
        } catch (RuntimeException e) {
            return value.getClass().getName();
        }
    }
}
