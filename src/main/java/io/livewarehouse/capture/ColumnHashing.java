package io.livewarehouse.capture;

import io.livewarehouse.config.SourceSettings;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.jboss.logging.Logger;

/**
 * Step {@code sensitive-columns} of the capture route: the values of the columns listed in
 * {@code pipeline.source.column-hash-list} are replaced by their salted hashes ({@link SensitiveColumns})
 * before they reach the staging buffer, so the value itself never leaves the process.
 */
@ApplicationScoped
public class ColumnHashing implements Processor {

    private static final Logger LOG = Logger.getLogger(ColumnHashing.class);

    private final SensitiveColumns sensitive;

    public ColumnHashing(SourceSettings settings) {
        this.sensitive = new SensitiveColumns(settings.columnHashList().orElse(""), settings.hashSalt().orElse(""));
        if (!sensitive.isEmpty() && settings.hashSalt().isEmpty()) {
            LOG.warn("pipeline.source.column-hash-list is set without pipeline.source.hash-salt: short values "
                    + "(emails, phone numbers) can be found again from their unsalted hashes");
        }
    }

    /** Nothing to do: being built checked the settings (see StreamPreparation.prepare). */
    void ready() {
    }

    @Override
    public void process(Exchange exchange) {
        if (sensitive.isEmpty()) {
            return;
        }
        CapturedEvent event = exchange.getMessage().getBody(CapturedEvent.class);
        exchange.getMessage().setBody(event.withChanges(
                event.changes().stream().map(change -> sensitive.apply(event.schema(), change)).toList()));
    }
}
