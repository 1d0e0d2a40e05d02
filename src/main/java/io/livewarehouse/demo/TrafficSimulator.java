package io.livewarehouse.demo;

import io.livewarehouse.config.PipelineSettings;
import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.NamedSql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays a DVD rental shop against the source database, so a person running the demo sees change data flow:
 * rentals and returns with their payments, customer edits and moves, film repricing, new customers, and the
 * occasional refund or cancelled booking (deletes). Each change is its own source transaction.
 *
 * <p>Driven by the {@code traffic-simulator} route in {@code routes/demo/traffic-simulator.yaml}, which only dev
 * mode and the tests include: on by default in dev mode, off in tests unless
 * {@code pipeline.simulator.enabled=true}; the production build has neither the route nor this bean.
 */
@ApplicationScoped
@Named("trafficSimulator")
public class TrafficSimulator {

    private static final Logger LOG = Logger.getLogger(TrafficSimulator.class);

    /** What the shop does, with how often it happens relative to the rest. */
    public enum Change {
        RENTAL(35), RETURN(30), CUSTOMER_EMAIL(8), CUSTOMER_MOVE(5), FILM_REPRICE(7), NEW_CUSTOMER(5),
        REFUND(5), CANCELLED_RENTAL(5);

        final int weight;

        Change(int weight) {
            this.weight = weight;
        }
    }

    private static final int TOTAL_WEIGHT = java.util.Arrays.stream(Change.values()).mapToInt(c -> c.weight).sum();
    private static final String[] RATES = {"0.99", "2.99", "4.99"};

    private final SourceConnections source;
    private final int changesPerTick;
    private final NamedSql sql = NamedSql.load("source/traffic-simulator.sql");
    private final SplittableRandom random;
    private final Map<Change, AtomicLong> applied = new EnumMap<>(Change.class);
    private long ticks;

    public TrafficSimulator(SourceConnections source,
                            PipelineSettings settings) {
        this.source = source;
        this.changesPerTick = settings.simulator().changesPerSecond();
        this.random = new SplittableRandom(settings.simulator().seed());
        for (Change change : Change.values()) {
            applied.put(change, new AtomicLong());
        }
    }

    /** One timer tick (the route fires every second): {@code pipeline.simulator.changes-per-second} changes, each committed on its own. */
    public synchronized void tick() throws SQLException {
        try (Connection connection = source.open()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < changesPerTick; i++) {
                Change change = nextChange();
                try {
                    if (apply(connection, change)) {
                        applied.get(change).incrementAndGet();
                    }
                    connection.commit();
                } catch (SQLException e) {
                    // A pick can race with another writer (a copy rented meanwhile): skip it, the shop goes on.
                    connection.rollback();
                    LOG.debugf(e, "Simulated %s skipped", change);
                }
            }
        }
        // A line every half minute, so a person watching the demo knows the shop is busy.
        if (++ticks % 30 == 0) {
            LOG.infof("Traffic simulator: changes committed so far %s", applied());
        }
    }

    /** How many changes of each kind were applied since start. */
    public Map<Change, Long> applied() {
        Map<Change, Long> counts = new EnumMap<>(Change.class);
        applied.forEach((change, count) -> counts.put(change, count.get()));
        return counts;
    }

    private Change nextChange() {
        int roll = random.nextInt(TOTAL_WEIGHT);
        for (Change change : Change.values()) {
            roll -= change.weight;
            if (roll < 0) {
                return change;
            }
        }
        throw new IllegalStateException("weights do not add up");
    }

    /** Returns false when nothing fit (no copy free, no open rental). */
    boolean apply(Connection connection, Change change) throws SQLException {
        MaxIds max = maxIds(connection);
        return switch (change) {
            case RENTAL -> rent(connection, max);
            case RETURN -> returnRental(connection, max);
            case CUSTOMER_EMAIL -> update(connection, sql.get("change-customer-email"),
                    "." + random.nextInt(1000), anyCustomer(connection, max));
            case CUSTOMER_MOVE -> update(connection, sql.get("move-customer"),
                    streetAddress(), 1 + random.nextInt(max.city()), anyCustomer(connection, max));
            case FILM_REPRICE -> update(connection, sql.get("reprice-film"),
                    new BigDecimal(RATES[random.nextInt(RATES.length)]), 1 + random.nextInt(max.film()));
            case NEW_CUSTOMER -> newCustomer(connection, max);
            case REFUND -> update(connection, sql.get("refund-payment"), 1 + random.nextInt(max.payment()));
            case CANCELLED_RENTAL -> update(connection, sql.get("cancel-rental"), 1 + random.nextInt(max.rental()));
        };
    }

    private boolean rent(Connection connection, MaxIds max) throws SQLException {
        Integer copy = null;
        int store = 0;
        try (PreparedStatement pick = connection.prepareStatement(sql.get("pick-available-copy"))) {
            pick.setInt(1, 1 + random.nextInt(max.inventory()));
            try (ResultSet row = pick.executeQuery()) {
                if (row.next()) {
                    copy = row.getInt(1);
                    store = row.getInt(2);
                }
            }
        }
        if (copy == null) {
            return false;
        }
        Integer customer = firstInt(connection, sql.get("pick-active-customer"), 1 + random.nextInt(max.customer()));
        if (customer == null) {
            return false;
        }
        return update(connection, sql.get("rent"), copy, customer, store);
    }

    /** An existing customer (ids can have gaps), or 0 when there is none. */
    private int anyCustomer(Connection connection, MaxIds max) throws SQLException {
        Integer customer = firstInt(connection, sql.get("pick-active-customer"), 1 + random.nextInt(max.customer()));
        return customer == null ? 0 : customer;
    }

    private boolean returnRental(Connection connection, MaxIds max) throws SQLException {
        Integer rental = firstInt(connection, sql.get("pick-open-rental"), 1 + random.nextInt(max.rental()));
        if (rental == null) {
            return false;
        }
        return update(connection, sql.get("return"), rental) && update(connection, sql.get("pay-for-return"), rental);
    }

    private boolean newCustomer(Connection connection, MaxIds max) throws SQLException {
        String first = pick(Vocabulary.FIRST_NAMES);
        String last = pick(Vocabulary.LAST_NAMES);
        update(connection, sql.get("new-address"), streetAddress(), pick(Vocabulary.DISTRICTS),
                1 + random.nextInt(max.city()), String.format("%05d", random.nextInt(100000)),
                Long.toString(10_000_000_000L + random.nextLong(89_999_999_999L)));
        String email = (first + "." + last).toLowerCase().replace("'", "") + "@sakilacustomer.org";
        return update(connection, sql.get("new-customer"), 1 + random.nextInt(2), first, last, email);
    }

    private String streetAddress() {
        return (1 + random.nextInt(1999)) + " " + pick(Vocabulary.STREETS) + " " + pick(Vocabulary.STREET_KINDS);
    }

    private String pick(java.util.List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    private record MaxIds(int inventory, int customer, int rental, int payment, int film, int city) {
    }

    private MaxIds maxIds(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql.get("max-ids"))) {
            row.next();
            return new MaxIds(Math.max(1, row.getInt(1)), Math.max(1, row.getInt(2)), Math.max(1, row.getInt(3)),
                    Math.max(1, row.getInt(4)), Math.max(1, row.getInt(5)), Math.max(1, row.getInt(6)));
        }
    }

    private static Integer firstInt(Connection connection, String query, Object... values) throws SQLException {
        try (PreparedStatement statement = bind(connection.prepareStatement(query), values);
             ResultSet row = statement.executeQuery()) {
            return row.next() ? row.getInt(1) : null;
        }
    }

    private static boolean update(Connection connection, String statement, Object... values) throws SQLException {
        try (PreparedStatement prepared = bind(connection.prepareStatement(statement), values)) {
            return prepared.executeUpdate() > 0;
        }
    }

    private static PreparedStatement bind(PreparedStatement statement, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
        return statement;
    }
}
