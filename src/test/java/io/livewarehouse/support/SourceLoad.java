package io.livewarehouse.support;

import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady write load on the source, in transactions of realistic shapes: a rental with its payment, a
 * customer edit, a refund (delete), a batch of payments loaded with COPY (several events sharing one LSN)
 * and a multi-row update. It remembers what it created and deleted, so a test can check each one arrived.
 */
public final class SourceLoad implements Runnable {

    private final ConnectionFactory connections;
    private final int transactionsPerSecond;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final SplittableRandom random = new SplittableRandom(7);
    private final AtomicLong transactions = new AtomicLong();
    private volatile Throwable failure;

    public final ConcurrentLinkedQueue<Integer> createdRentals = new ConcurrentLinkedQueue<>();
    /** The rentals made so far, for the load's own thread to pick from. */
    private final List<Integer> rentalsMade = new java.util.ArrayList<>();
    public final ConcurrentLinkedQueue<Integer> createdPayments = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<Integer> deletedPayments = new ConcurrentLinkedQueue<>();

    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    public SourceLoad(ConnectionFactory connections, int transactionsPerSecond) {
        this.connections = connections;
        this.transactionsPerSecond = transactionsPerSecond;
    }

    @Override
    public void run() {
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            long pause = 1000L / transactionsPerSecond;
            while (running.get()) {
                transaction(connection);
                connection.commit();
                transactions.incrementAndGet();
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
        }
    }

    public void stop() {
        running.set(false);
    }

    public long transactions() {
        return transactions.get();
    }

    public Throwable failure() {
        return failure;
    }

    private void transaction(Connection connection) throws Exception {
        int kind = random.nextInt(10);
        if (kind < 4) {
            rentWithPayment(connection);
        } else if (kind < 6) {
            execute(connection, "update public.customer set email = 'load." + random.nextInt(1_000_000)
                    + "@example.com' where customer_id = " + (1 + random.nextInt(500)));
        } else if (kind < 7) {
            Integer payment = createdPayments.poll();
            if (payment != null) {
                execute(connection, "delete from public.payment where payment_id = " + payment);
                deletedPayments.add(payment);
            }
        } else if (kind < 9) {
            copyPayments(connection);
        } else {
            int first = 1 + random.nextInt(16000);
            execute(connection, "update public.rental set last_update = localtimestamp where rental_id between "
                    + first + " and " + (first + 4));
        }
    }

    private void rentWithPayment(Connection connection) throws SQLException {
        int rental;
        try (PreparedStatement insert = connection.prepareStatement("""
                insert into public.rental (rental_date, inventory_id, customer_id, staff_id)
                values (localtimestamp, ?, ?, 1) returning rental_id""")) {
            insert.setInt(1, 1 + random.nextInt(4000));
            insert.setInt(2, 1 + random.nextInt(500));
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                rental = row.getInt(1);
            }
        }
        createdRentals.add(rental);
        rentalsMade.add(rental);
        try (PreparedStatement insert = connection.prepareStatement("""
                insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date)
                select customer_id, 1, rental_id, 4.99, localtimestamp from public.rental where rental_id = ?
                returning payment_id""")) {
            insert.setInt(1, rental);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                createdPayments.add(row.getInt(1));
            }
        }
    }

    /** COPY logs its rows as one multi-insert WAL record: the events share one LSN. */
    private void copyPayments(Connection connection) throws Exception {
        if (rentalsMade.isEmpty()) {
            rentWithPayment(connection);
            return;
        }
        int rows = 2 + random.nextInt(6);
        List<Integer> ids = new java.util.ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet next = statement.executeQuery(
                     "select nextval('public.payment_payment_id_seq') from generate_series(1, " + rows + ")")) {
            while (next.next()) {
                ids.add(next.getInt(1));
            }
        }
        StringBuilder data = new StringBuilder();
        for (int id : ids) {
            data.append(id).append('\t').append(1 + random.nextInt(500)).append("\t2\t")
                    // A rental this load made: one of the source's own may have been deleted by another test
                    // sharing the source (the foreign key would refuse the whole COPY).
                    .append(rentalsMade.get(random.nextInt(rentalsMade.size()))).append('\t').append(random.nextInt(1000) / 100.0 + 0.99)
                    .append("\t2026-01-01 10:00:00.123456\n");
        }
        connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "copy public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) from stdin",
                new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
        createdPayments.addAll(ids);
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
