package io.livewarehouse.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates the DVD Rental data set into an empty database that has the schema.
 *
 * <p>At scale 1 every table has exactly the row count of the real sample database. Scale N multiplies the
 * business tables (customer, inventory, rental, payment, and the addresses the new customers live at);
 * the catalogue (films, actors, categories, places, staff, stores) stays as it is. The same seed gives the
 * same rows: each table draws from its own random stream derived from the seed, so changing how one table is
 * generated leaves the others as they were.
 *
 * <p>Plausibility rules: rentals fall between 2005-05-24 and 2006-02-14 and never overlap for one copy of a
 * film; a rental is paid once when returned (rental rate plus a 1.00 late fee per day over the film's
 * rental duration, so 0.99 to 11.99), a few are paid in two parts, some are unpaid and some not returned.
 */
public final class DvdRentalGenerator {

    /** Row counts of the real sample database, the counts at scale 1. */
    public static final Map<String, Integer> SAMPLE_ROW_COUNTS = sampleRowCounts();

    /** rental.customer_id and customer.address_id are smallint in the sample schema: 599 * 54 + 4 fits. */
    public static final int MAX_SCALE = 54;

    private static final int CUSTOMERS = 599;
    private static final int INVENTORY = 4581;
    private static final int RENTALS = 16044;
    private static final int PAYMENTS = 14596;
    private static final int UNPAID_RENTALS = 1452;
    private static final int UNRETURNED_RENTALS = 183;
    private static final int INACTIVE_CUSTOMERS = 15;
    private static final int ADDRESSES_FOR_STORES_AND_STAFF = 4;
    private static final int CITIES = 600;
    private static final int ACTORS = 200;
    private static final int FILMS = 1000;
    private static final int FILM_ACTORS = 5462;

    private static final LocalDateTime FIRST_RENTAL = LocalDateTime.of(2005, 5, 24, 22, 53, 30);
    private static final LocalDateTime LAST_RENTAL = LocalDateTime.of(2006, 2, 14, 15, 16, 3);
    private static final long HOUR = 3600;
    private static final long DAY = 24 * HOUR;

    // The sample stamps each table's last_update with its load time; fixed values keep the data reproducible.
    private static final String CATALOGUE_UPDATED = "2006-02-15 09:45:25";
    private static final String PLACES_UPDATED = "2006-02-15 09:45:25";
    private static final String ADDRESS_UPDATED = "2006-02-15 09:45:30";
    private static final String FILM_UPDATED = "2013-05-26 14:50:58.951";
    private static final String CUSTOMER_UPDATED = "2013-05-26 14:49:45.738";
    private static final String STAFF_UPDATED = "2006-05-16 16:13:11.79328";
    private static final String INVENTORY_UPDATED = "2006-02-15 10:09:17";
    private static final String RENTAL_UPDATED = "2006-02-16 02:30:53";

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final DateTimeFormatter TIMESTAMP_MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final int scale;
    private final long seed;

    public DvdRentalGenerator(int scale, long seed) {
        if (scale < 1 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("scale must be between 1 and " + MAX_SCALE + ", was " + scale
                    + " (the schema keeps customer ids in smallint columns)");
        }
        this.scale = scale;
        this.seed = seed;
    }

    /** Expected row count of every table at a scale. */
    public static Map<String, Integer> rowCounts(int scale) {
        Map<String, Integer> counts = new LinkedHashMap<>(SAMPLE_ROW_COUNTS);
        counts.put("address", ADDRESSES_FOR_STORES_AND_STAFF + CUSTOMERS * scale);
        counts.put("customer", CUSTOMERS * scale);
        counts.put("inventory", INVENTORY * scale);
        counts.put("rental", RENTALS * scale);
        counts.put("payment", PAYMENTS * scale);
        return counts;
    }

    /** Loads every table in one transaction (the caller's connection is left in its original commit mode). */
    public void load(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            loadCatalogue(connection);
            FilmFacts films = loadFilms(connection);
            loadStaffAndStores(connection);
            loadCustomers(connection);
            int[] inventoryFilm = loadInventory(connection);
            loadRentalsAndPayments(connection, films, inventoryFilm);
            resetSequences(connection);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("analyze");
        }
    }

    private SplittableRandom random(String table) {
        return new SplittableRandom(seed * 31 + table.hashCode());
    }

    private void loadCatalogue(Connection connection) throws SQLException {
        try (CopyWriter copy = new CopyWriter(connection, "public.language", "language_id, name, last_update")) {
            for (int i = 0; i < Vocabulary.LANGUAGES.size(); i++) {
                copy.value(i + 1).value(Vocabulary.LANGUAGES.get(i)).value(CATALOGUE_UPDATED).endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.category", "category_id, name, last_update")) {
            for (int i = 0; i < Vocabulary.CATEGORIES.size(); i++) {
                copy.value(i + 1).value(Vocabulary.CATEGORIES.get(i)).value(CATALOGUE_UPDATED).endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.country", "country_id, country, last_update")) {
            for (int i = 0; i < Vocabulary.COUNTRIES.size(); i++) {
                copy.value(i + 1).value(Vocabulary.COUNTRIES.get(i)).value(PLACES_UPDATED).endRow();
            }
        }
        SplittableRandom random = random("city");
        List<String> cityNames = uniqueCityNames(random);
        try (CopyWriter copy = new CopyWriter(connection, "public.city", "city_id, city, country_id, last_update")) {
            int countries = Vocabulary.COUNTRIES.size();
            for (int i = 0; i < CITIES; i++) {
                // Every country gets at least one city; the rest are spread at random.
                int country = i < countries ? i + 1 : 1 + random.nextInt(countries);
                copy.value(i + 1).value(cityNames.get(i)).value(country).value(PLACES_UPDATED).endRow();
            }
        }
        random = random("address");
        int addresses = rowCounts(scale).get("address");
        try (CopyWriter copy = new CopyWriter(connection, "public.address",
                "address_id, address, address2, district, city_id, postal_code, phone, last_update")) {
            for (int id = 1; id <= addresses; id++) {
                boolean storeOrStaff = id <= ADDRESSES_FOR_STORES_AND_STAFF;
                copy.value(id)
                        .value((1 + random.nextInt(1999)) + " " + pick(random, Vocabulary.STREETS) + " "
                                + pick(random, Vocabulary.STREET_KINDS))
                        .value(storeOrStaff ? null : "")
                        .value(pick(random, Vocabulary.DISTRICTS))
                        .value(1 + random.nextInt(CITIES))
                        .value(random.nextInt(20) == 0 ? "" : String.format("%05d", random.nextInt(100000)))
                        .value(storeOrStaff ? "" : Long.toString(10_000_000_000L + random.nextLong(89_999_999_999L)))
                        .value(ADDRESS_UPDATED)
                        .endRow();
            }
        }
        random = random("actor");
        try (CopyWriter copy = new CopyWriter(connection, "public.actor", "actor_id, first_name, last_name, last_update")) {
            for (int id = 1; id <= ACTORS; id++) {
                copy.value(id).value(pick(random, Vocabulary.FIRST_NAMES)).value(pick(random, Vocabulary.LAST_NAMES))
                        .value("2013-05-26 14:47:57.62").endRow();
            }
        }
    }

    private static List<String> uniqueCityNames(SplittableRandom random) {
        Set<String> names = new HashSet<>();
        List<String> ordered = new ArrayList<>(CITIES);
        while (ordered.size() < CITIES) {
            String name = pick(random, Vocabulary.CITY_STARTS) + pick(random, Vocabulary.CITY_ENDS);
            if (random.nextInt(8) == 0) {
                name = pick(random, List.of("North ", "South ", "New ", "San ", "Port ")) + name;
            }
            if (names.add(name)) {
                ordered.add(name);
            }
        }
        return ordered;
    }

    /** What rentals and payments need to know of each film. */
    private record FilmFacts(int[] rentalDurationDays, BigDecimal[] rentalRate) {
    }

    private FilmFacts loadFilms(Connection connection) throws SQLException {
        SplittableRandom random = random("film");
        int[] durations = new int[FILMS + 1];
        BigDecimal[] rates = new BigDecimal[FILMS + 1];
        List<String> titles = uniqueTitles(random);
        String[] rateChoices = {"0.99", "2.99", "4.99"};
        // fulltext is left out: the film_fulltext_trigger computes it from title and description.
        try (CopyWriter copy = new CopyWriter(connection, "public.film",
                "film_id, title, description, release_year, language_id, rental_duration, rental_rate, length, "
                        + "replacement_cost, rating, last_update, special_features")) {
            for (int id = 1; id <= FILMS; id++) {
                durations[id] = 3 + random.nextInt(5);
                rates[id] = new BigDecimal(rateChoices[random.nextInt(rateChoices.length)]);
                String description = "A " + pick(random, Vocabulary.DESCRIPTION_ADJECTIVES) + " "
                        + pick(random, Vocabulary.DESCRIPTION_KINDS) + " of a " + pick(random, Vocabulary.DESCRIPTION_WHO)
                        + " And a " + pick(random, Vocabulary.DESCRIPTION_WHO) + " who must "
                        + pick(random, Vocabulary.DESCRIPTION_VERBS) + " a " + pick(random, Vocabulary.DESCRIPTION_WHO)
                        + " in " + pick(random, Vocabulary.DESCRIPTION_PLACES);
                copy.value(id)
                        .value(titles.get(id - 1))
                        .value(description)
                        .value(2006)
                        .value(1)
                        .value(durations[id])
                        .value(rates[id])
                        .value(46 + random.nextInt(140))
                        .value((9 + random.nextInt(21)) + ".99")
                        .value(pick(random, Vocabulary.RATINGS))
                        .value(FILM_UPDATED)
                        .value(specialFeatures(random))
                        .endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.film_category", "film_id, category_id, last_update")) {
            for (int id = 1; id <= FILMS; id++) {
                copy.value(id).value(1 + random.nextInt(Vocabulary.CATEGORIES.size())).value("2006-02-15 10:07:09").endRow();
            }
        }
        // 5462 casting rows: every film has five actors and 462 films a sixth, all distinct within a film.
        int extraActors = FILM_ACTORS - 5 * FILMS;
        boolean[] hasSixth = new boolean[FILMS + 1];
        for (int film : sample(random, FILMS, extraActors)) {
            hasSixth[film] = true;
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.film_actor", "actor_id, film_id, last_update")) {
            for (int film = 1; film <= FILMS; film++) {
                int[] actors = sample(random, ACTORS, hasSixth[film] ? 6 : 5);
                Arrays.sort(actors);
                for (int actor : actors) {
                    copy.value(actor).value(film).value("2006-02-15 10:05:03").endRow();
                }
            }
        }
        return new FilmFacts(durations, rates);
    }

    private static List<String> uniqueTitles(SplittableRandom random) {
        int combinations = Vocabulary.TITLE_FIRST.size() * Vocabulary.TITLE_SECOND.size();
        List<String> titles = new ArrayList<>(FILMS);
        for (int combination : sample(random, combinations, FILMS)) {
            int index = combination - 1;
            titles.add(Vocabulary.TITLE_FIRST.get(index / Vocabulary.TITLE_SECOND.size()) + " "
                    + Vocabulary.TITLE_SECOND.get(index % Vocabulary.TITLE_SECOND.size()));
        }
        titles.sort(String::compareTo);
        return titles;
    }

    private static String specialFeatures(SplittableRandom random) {
        List<String> chosen = new ArrayList<>();
        while (chosen.isEmpty()) {
            for (String feature : Vocabulary.SPECIAL_FEATURES) {
                if (random.nextBoolean()) {
                    chosen.add(feature);
                }
            }
        }
        // A PostgreSQL array literal; elements with spaces are quoted.
        StringBuilder literal = new StringBuilder("{");
        for (int i = 0; i < chosen.size(); i++) {
            String feature = chosen.get(i);
            literal.append(i == 0 ? "" : ",").append(feature.contains(" ") ? '"' + feature + '"' : feature);
        }
        return literal.append('}').toString();
    }

    private void loadStaffAndStores(Connection connection) throws SQLException {
        // A tiny PNG signature as the sample's staff picture: bytea holding bytes that are not valid text.
        String picture = "\\x" + HexFormat.of().formatHex(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        try (CopyWriter copy = new CopyWriter(connection, "public.staff",
                "staff_id, first_name, last_name, address_id, email, store_id, active, username, password, last_update, picture")) {
            copy.value(1).value("Ada").value("Lindqvist").value(3).value("Ada.Lindqvist@sakilastaff.com").value(1)
                    .value("t").value("Ada").value("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3").value(STAFF_UPDATED)
                    .value(picture).endRow();
            copy.value(2).value("Rafael").value("Moreno").value(4).value("Rafael.Moreno@sakilastaff.com").value(2)
                    .value("t").value("Rafael").value("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3").value(STAFF_UPDATED)
                    .value(null).endRow();
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.store", "store_id, manager_staff_id, address_id, last_update")) {
            copy.value(1).value(1).value(1).value("2006-02-15 09:57:12").endRow();
            copy.value(2).value(2).value(2).value("2006-02-15 09:57:12").endRow();
        }
    }

    private void loadCustomers(Connection connection) throws SQLException {
        SplittableRandom random = random("customer");
        int customers = CUSTOMERS * scale;
        boolean[] inactive = new boolean[customers + 1];
        for (int id : sample(random, customers, INACTIVE_CUSTOMERS * scale)) {
            inactive[id] = true;
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.customer",
                "customer_id, store_id, first_name, last_name, email, address_id, activebool, create_date, last_update, active")) {
            for (int id = 1; id <= customers; id++) {
                String first = pick(random, Vocabulary.FIRST_NAMES);
                String last = pick(random, Vocabulary.LAST_NAMES);
                copy.value(id)
                        .value(1 + random.nextInt(2))
                        .value(first)
                        .value(last)
                        .value((first + "." + last).toLowerCase().replace("'", "") + "@sakilacustomer.org")
                        .value(ADDRESSES_FOR_STORES_AND_STAFF + id)
                        .value("t")
                        .value("2006-02-14")
                        .value(CUSTOMER_UPDATED)
                        .value(inactive[id] ? 0 : 1)
                        .endRow();
            }
        }
    }

    /** Returns the film of every inventory item (index = inventory_id). */
    private int[] loadInventory(Connection connection) throws SQLException {
        SplittableRandom random = random("inventory");
        int items = INVENTORY * scale;
        // Copies of one film get consecutive ids, as in the sample; a few films end up with no copy at all.
        int[] films = new int[items];
        for (int i = 0; i < items; i++) {
            films[i] = 1 + random.nextInt(FILMS);
        }
        Arrays.sort(films);
        int[] filmOfItem = new int[items + 1];
        try (CopyWriter copy = new CopyWriter(connection, "public.inventory", "inventory_id, film_id, store_id, last_update")) {
            for (int id = 1; id <= items; id++) {
                filmOfItem[id] = films[id - 1];
                copy.value(id).value(filmOfItem[id]).value(storeOfItem(id)).value(INVENTORY_UPDATED).endRow();
            }
        }
        return filmOfItem;
    }

    /** Items alternate between the two stores, so both stores carry most titles. */
    private static int storeOfItem(int inventoryId) {
        return 1 + (inventoryId % 2);
    }

    private void loadRentalsAndPayments(Connection connection, FilmFacts films, int[] filmOfItem) throws SQLException {
        SplittableRandom random = random("rental");
        int items = filmOfItem.length - 1;
        int rentals = RENTALS * scale;
        int customers = CUSTOMERS * scale;

        // How many times each copy is rented, then each copy's rentals laid out one after another in equal
        // slots of the period, so that one copy is never out twice at once.
        int[] rentalsOfItem = new int[items + 1];
        for (int i = 0; i < rentals; i++) {
            rentalsOfItem[1 + random.nextInt(items)]++;
        }
        long periodStart = FIRST_RENTAL.toEpochSecond(ZoneOffset.UTC);
        long period = LAST_RENTAL.toEpochSecond(ZoneOffset.UTC) - periodStart;

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
        SplittableRandom paymentRandom = random("payment");
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
                        .value(returned == null ? null : returned.format(TIMESTAMP)).value(staff).value(RENTAL_UPDATED).endRow();
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

    private static void resetSequences(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String table : List.of("actor", "address", "category", "city", "country", "customer", "film",
                    "inventory", "language", "payment", "rental", "staff", "store")) {
                statement.execute("select setval('public." + table + "_" + table + "_id_seq', "
                        + "(select max(" + table + "_id) from public." + table + "))");
            }
        }
    }

    /** {@code count} distinct numbers from 1..{@code population}, in the order drawn. */
    private static int[] sample(SplittableRandom random, int population, int count) {
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

    private static <T> T pick(SplittableRandom random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static Map<String, Integer> sampleRowCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("actor", ACTORS);
        counts.put("address", ADDRESSES_FOR_STORES_AND_STAFF + CUSTOMERS);
        counts.put("category", 16);
        counts.put("city", CITIES);
        counts.put("country", 109);
        counts.put("customer", CUSTOMERS);
        counts.put("film", FILMS);
        counts.put("film_actor", FILM_ACTORS);
        counts.put("film_category", FILMS);
        counts.put("inventory", INVENTORY);
        counts.put("language", 6);
        counts.put("payment", PAYMENTS);
        counts.put("rental", RENTALS);
        counts.put("staff", 2);
        counts.put("store", 2);
        return java.util.Collections.unmodifiableMap(counts);
    }
}
