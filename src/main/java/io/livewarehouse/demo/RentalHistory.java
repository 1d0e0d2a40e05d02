package io.livewarehouse.demo;

import io.livewarehouse.demo.FilmCatalogue.FilmFacts;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.livewarehouse.demo.DvdRentalGenerator.CUSTOMERS;
import static io.livewarehouse.demo.DvdRentalGenerator.DAY;
import static io.livewarehouse.demo.DvdRentalGenerator.FIRST_RENTAL;
import static io.livewarehouse.demo.DvdRentalGenerator.HOUR;
import static io.livewarehouse.demo.DvdRentalGenerator.LAST_RENTAL;
import static io.livewarehouse.demo.DvdRentalGenerator.PAYMENTS;
import static io.livewarehouse.demo.DvdRentalGenerator.RENTALS;
import static io.livewarehouse.demo.DvdRentalGenerator.RENTAL_UPDATED;
import static io.livewarehouse.demo.DvdRentalGenerator.TIMESTAMP;
import static io.livewarehouse.demo.DvdRentalGenerator.TIMESTAMP_MICROS;
import static io.livewarehouse.demo.DvdRentalGenerator.UNPAID_RENTALS;
import static io.livewarehouse.demo.DvdRentalGenerator.UNRETURNED_RENTALS;

/**
 * The generated rentals and payments, the business history of {@link DvdRentalGenerator}: rentals fall
 * between its first and last rental dates and never overlap for one copy of a film; a rental is paid once
 * when returned (rental rate plus a 1.00 late fee per day over the film's rental duration, so 0.99 to
 * 11.99), a few are paid in two parts, some are unpaid and some not returned, in the sample's proportions.
 */
final class RentalHistory {

    private RentalHistory() {
    }

    /** Items alternate between the two stores, so both stores carry most titles. */
    static int storeOfItem(int inventoryId) {
        return 1 + (inventoryId % 2);
    }

    /** Loads rental, then payment, by COPY: {@code random} draws the rentals, {@code paymentRandom} the payments. */
    static void load(Connection connection, int scale, SplittableRandom random, SplittableRandom paymentRandom,
                     FilmFacts films, int[] filmOfItem, DvdRentalGenerator dates) throws SQLException {
        int items = filmOfItem.length - 1;
        int rentals = RENTALS * scale;
        int customers = CUSTOMERS * scale;

        // How many times each copy is rented, then each copy's rentals laid out one after another in equal
        // slots of the period, so that one copy is never out twice at once.
        int[] rentalsOfItem = new int[items + 1];
        for (int i = 0; i < rentals; i++) {
            rentalsOfItem[1 + random.nextInt(items)]++;
        }
        // Every moment below lies in [periodStart, periodStart + period]: returns and payments end an hour
        // before the copy's next slot or the period's end at the latest, so a history moved to end now has
        // nothing in the future.
        long periodStart = FIRST_RENTAL.toEpochSecond(ZoneOffset.UTC) + dates.shiftSeconds();
        long period = LAST_RENTAL.toEpochSecond(ZoneOffset.UTC) - FIRST_RENTAL.toEpochSecond(ZoneOffset.UTC);

        int[] item = new int[rentals];
        long[] rentedAt = new long[rentals];
        long[] returnedAt = new long[rentals];
        int[] customer = new int[rentals];
        int[] lastRentalOfItem = new int[items + 1];
        Arrays.fill(lastRentalOfItem, -1);
        long[] order = new long[rentals];
        int next = 0;
        for (int copy = 1; copy <= items; copy++) {
            int count = rentalsOfItem[copy];
            long slot = count == 0 ? period : period / count;
            for (int k = 0; k < count; k++) {
                long slotStart = k * slot;
                // The shop's first rental opens the period, as in the sample.
                long start = copy == 1 && k == 0 ? 0 : slotStart + random.nextLong(Math.max(1, slot / 2));
                // Up to eight days late: the late fee (capped at seven days) takes amounts up to 11.99.
                int days = random.nextInt(films.rentalDurationDays()[filmOfItem[copy]] + 9);
                long duration = days * DAY + random.nextLong(DAY);
                long slotEnd = slotStart + slot - HOUR;
                item[next] = copy;
                rentedAt[next] = start;
                returnedAt[next] = Math.min(start + duration, slotEnd);
                customer[next] = 1 + random.nextInt(customers);
                lastRentalOfItem[copy] = next;
                next++;
            }
        }
        // Some copies are still out: their last rental has no return date yet.
        boolean[] unreturned = new boolean[rentals];
        int[] copiesWithRentals = Arrays.stream(lastRentalOfItem).filter(index -> index >= 0).toArray();
        for (int pick : sample(random, copiesWithRentals.length, UNRETURNED_RENTALS * scale)) {
            int index = copiesWithRentals[pick - 1];
            unreturned[index] = true;
            // As in the sample, the copies still out were rented on the last day of the period (a copy's last
            // slot is days long, so this stays after the copy's previous return).
            rentedAt[index] = period - random.nextLong(12 * HOUR);
        }
        for (int index = 0; index < rentals; index++) {
            // Sort key: start second in the high bits, the rental's index in the low 28 bits.
            order[index] = (rentedAt[index] << 28) | index;
        }
        // Unpaid: every unreturned rental (paid on return) and enough returned ones to reach the sample's count.
        boolean[] unpaid = unreturned.clone();
        int unpaidNeeded = UNPAID_RENTALS * scale - UNRETURNED_RENTALS * scale;
        while (unpaidNeeded > 0) {
            int candidate = random.nextInt(rentals);
            if (!unpaid[candidate]) {
                unpaid[candidate] = true;
                unpaidNeeded--;
            }
        }
        int splitPaymentsNeeded = (PAYMENTS - (RENTALS - UNPAID_RENTALS)) * scale;

        Arrays.sort(order);
        int paymentId = 0;
        // Two COPY streams cannot be open on one connection at once: rentals first, payments buffered.
        List<Object[]> payments = new ArrayList<>(PAYMENTS * scale);
        try (CopyWriter rentalCopy = new CopyWriter(connection, "public.rental",
                "rental_id, rental_date, inventory_id, customer_id, return_date, staff_id, last_update")) {
            for (int rentalId = 1; rentalId <= rentals; rentalId++) {
                int index = (int) (order[rentalId - 1] & ((1L << 28) - 1));
                int copy = item[index];
                int staff = storeOfItem(copy);
                LocalDateTime rented = LocalDateTime.ofEpochSecond(periodStart + rentedAt[index], 0, ZoneOffset.UTC);
                LocalDateTime returned = unreturned[index] ? null
                        : LocalDateTime.ofEpochSecond(periodStart + returnedAt[index], 0, ZoneOffset.UTC);
                rentalCopy.value(rentalId).value(rented.format(TIMESTAMP)).value(copy).value(customer[index])
                        .value(returned == null ? null : returned.format(TIMESTAMP)).value(staff).value(dates.stamp(RENTAL_UPDATED)).endRow();
                if (unpaid[index]) {
                    continue;
                }
                int film = filmOfItem[copy];
                long daysRented = (returnedAt[index] - rentedAt[index] + DAY - 1) / DAY;
                long lateDays = Math.min(7, Math.max(0, daysRented - films.rentalDurationDays()[film]));
                BigDecimal rate = films.rentalRate()[film];
                BigDecimal lateFee = BigDecimal.valueOf(lateDays);
                // Paid when the film comes back, to the microsecond as the sample's payment dates are.
                LocalDateTime paidAt = returned.plusSeconds(paymentRandom.nextLong(HOUR)).plusNanos(paymentRandom.nextInt(1_000_000) * 1000L);
                if (splitPaymentsNeeded > 0 && lateDays > 0 && paymentRandom.nextInt(50) == 0) {
                    // Rate paid up front at the counter, the late fee on return.
                    splitPaymentsNeeded--;
                    payments.add(new Object[] {++paymentId, customer[index], staff, rentalId, rate, rented.plusMinutes(2)});
                    payments.add(new Object[] {++paymentId, customer[index], staff, rentalId, lateFee.add(new BigDecimal("0.00")), paidAt});
                } else {
                    payments.add(new Object[] {++paymentId, customer[index], staff, rentalId, rate.add(lateFee), paidAt});
                }
            }
        }
        if (splitPaymentsNeeded > 0) {
            throw new IllegalStateException("could not place " + splitPaymentsNeeded + " split payments");
        }
        try (CopyWriter paymentCopy = new CopyWriter(connection, "public.payment",
                "payment_id, customer_id, staff_id, rental_id, amount, payment_date")) {
            for (Object[] payment : payments) {
                for (int column = 0; column < payment.length; column++) {
                    Object value = payment[column];
                    paymentCopy.value(value instanceof LocalDateTime time ? time.format(TIMESTAMP_MICROS) : value);
                }
                paymentCopy.endRow();
            }
        }
    }

    /** {@code count} distinct numbers from 1..{@code population}, in the order drawn. */
    static int[] sample(SplittableRandom random, int population, int count) {
        if (count > population) {
            throw new IllegalArgumentException("cannot draw " + count + " of " + population);
        }
        int[] numbers = new int[population];
        for (int i = 0; i < population; i++) {
            numbers[i] = i + 1;
        }
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(population - i);
            int swap = numbers[i];
            numbers[i] = numbers[j];
            numbers[j] = swap;
        }
        return Arrays.copyOf(numbers, count);
    }
}
