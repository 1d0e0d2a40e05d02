package io.livewarehouse.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
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
 * <p>The films are drawn by {@link FilmCatalogue}, the rentals and payments by {@link RentalHistory}, which
 * states their plausibility rules; rentals fall between 2005-05-24 and 2006-02-14, or, given the moment the
 * history is to end ({@link #DvdRentalGenerator(int, long, LocalDateTime)}, the embedded source's creation),
 * in the same span of 266 days ending then: every rental, return and payment moved by the same amount, so
 * durations, late returns and fees stay the sample's, and every load-time stamp (last_update) is that moment.
 */
public final class DvdRentalGenerator {

    /** Row counts of the real sample database, the counts at scale 1. */
    public static final Map<String, Integer> SAMPLE_ROW_COUNTS = sampleRowCounts();

    /** rental.customer_id and customer.address_id are smallint in the sample schema: 599 * 54 + 4 fits. */
    public static final int MAX_SCALE = 54;

    static final int CUSTOMERS = 599;
    private static final int INVENTORY = 4581;
    static final int RENTALS = 16044;
    static final int PAYMENTS = 14596;
    static final int UNPAID_RENTALS = 1452;
    static final int UNRETURNED_RENTALS = 183;
    private static final int INACTIVE_CUSTOMERS = 15;
    private static final int ADDRESSES_FOR_STORES_AND_STAFF = 4;
    private static final int CITIES = 600;
    static final int ACTORS = 200;
    static final int FILMS = 1000;
    static final int FILM_ACTORS = 5462;

    static final LocalDateTime FIRST_RENTAL = LocalDateTime.of(2005, 5, 24, 22, 53, 30);
    static final LocalDateTime LAST_RENTAL = LocalDateTime.of(2006, 2, 14, 15, 16, 3);
    static final long HOUR = 3600;
    static final long DAY = 24 * HOUR;

    // The sample stamps each table's last_update with its load time; fixed values keep the data reproducible.
    private static final String CATALOGUE_UPDATED = "2006-02-15 09:45:25";
    private static final String PLACES_UPDATED = "2006-02-15 09:45:25";
    private static final String ADDRESS_UPDATED = "2006-02-15 09:45:30";
    static final String FILM_UPDATED = "2013-05-26 14:50:58.951";
    private static final String CUSTOMER_UPDATED = "2013-05-26 14:49:45.738";
    private static final String STAFF_UPDATED = "2006-05-16 16:13:11.79328";
    private static final String INVENTORY_UPDATED = "2006-02-15 10:09:17";
    static final String RENTAL_UPDATED = "2006-02-16 02:30:53";

    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    static final DateTimeFormatter TIMESTAMP_MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final int scale;
    private final long seed;
    private final LocalDateTime lastRental;

    /** The sample's own dates: rentals from 2005-05-24 to 2006-02-14. */
    public DvdRentalGenerator(int scale, long seed) {
        this(scale, seed, LAST_RENTAL);
    }

    /**
     * The history moved to end at {@code lastRental} (to the second): every rental, return and payment up to
     * that moment, none after it; the simulated traffic of dev mode goes on from there.
     */
    public DvdRentalGenerator(int scale, long seed, LocalDateTime lastRental) {
        if (scale < 1 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("scale must be between 1 and " + MAX_SCALE + ", was " + scale
                    + " (the schema keeps customer ids in smallint columns)");
        }
        this.scale = scale;
        this.seed = seed;
        this.lastRental = lastRental.withNano(0);
    }

    /** Seconds every rental, return and payment is moved by (0 for the sample's own dates). */
    long shiftSeconds() {
        return java.time.Duration.between(LAST_RENTAL, lastRental).getSeconds();
    }

    /** A load-time stamp of the sample (last_update), or the moment the moved history ends. */
    String stamp(String sampleValue) {
        return shiftSeconds() == 0 ? sampleValue : lastRental.format(TIMESTAMP);
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
            FilmCatalogue.FilmFacts films = FilmCatalogue.load(connection, random("film"), this);
            loadStaffAndStores(connection);
            loadCustomers(connection);
            int[] inventoryFilm = loadInventory(connection);
            RentalHistory.load(connection, scale, random("rental"), random("payment"), films, inventoryFilm, this);
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
                copy.value(i + 1).value(Vocabulary.LANGUAGES.get(i)).value(stamp(CATALOGUE_UPDATED)).endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.category", "category_id, name, last_update")) {
            for (int i = 0; i < Vocabulary.CATEGORIES.size(); i++) {
                copy.value(i + 1).value(Vocabulary.CATEGORIES.get(i)).value(stamp(CATALOGUE_UPDATED)).endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.country", "country_id, country, last_update")) {
            for (int i = 0; i < Vocabulary.COUNTRIES.size(); i++) {
                copy.value(i + 1).value(Vocabulary.COUNTRIES.get(i)).value(stamp(PLACES_UPDATED)).endRow();
            }
        }
        SplittableRandom random = random("city");
        List<String> cityNames = uniqueCityNames(random);
        try (CopyWriter copy = new CopyWriter(connection, "public.city", "city_id, city, country_id, last_update")) {
            int countries = Vocabulary.COUNTRIES.size();
            for (int i = 0; i < CITIES; i++) {
                // Every country gets at least one city; the rest are spread at random.
                int country = i < countries ? i + 1 : 1 + random.nextInt(countries);
                copy.value(i + 1).value(cityNames.get(i)).value(country).value(stamp(PLACES_UPDATED)).endRow();
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
                        .value(stamp(ADDRESS_UPDATED))
                        .endRow();
            }
        }
        random = random("actor");
        try (CopyWriter copy = new CopyWriter(connection, "public.actor", "actor_id, first_name, last_name, last_update")) {
            for (int id = 1; id <= ACTORS; id++) {
                copy.value(id).value(pick(random, Vocabulary.FIRST_NAMES)).value(pick(random, Vocabulary.LAST_NAMES))
                        .value(stamp("2013-05-26 14:47:57.62")).endRow();
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

    private void loadStaffAndStores(Connection connection) throws SQLException {
        // A tiny PNG signature as the sample's staff picture: bytea holding bytes that are not valid text.
        String picture = "\\x" + HexFormat.of().formatHex(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        try (CopyWriter copy = new CopyWriter(connection, "public.staff",
                "staff_id, first_name, last_name, address_id, email, store_id, active, username, password, last_update, picture")) {
            copy.value(1).value("Ada").value("Lindqvist").value(3).value("Ada.Lindqvist@sakilastaff.com").value(1)
                    .value("t").value("Ada").value("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3").value(stamp(STAFF_UPDATED))
                    .value(picture).endRow();
            copy.value(2).value("Rafael").value("Moreno").value(4).value("Rafael.Moreno@sakilastaff.com").value(2)
                    .value("t").value("Rafael").value("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3").value(stamp(STAFF_UPDATED))
                    .value(null).endRow();
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.store", "store_id, manager_staff_id, address_id, last_update")) {
            copy.value(1).value(1).value(1).value(stamp("2006-02-15 09:57:12")).endRow();
            copy.value(2).value(2).value(2).value(stamp("2006-02-15 09:57:12")).endRow();
        }
    }

    private void loadCustomers(Connection connection) throws SQLException {
        SplittableRandom random = random("customer");
        int customers = CUSTOMERS * scale;
        boolean[] inactive = new boolean[customers + 1];
        for (int id : RentalHistory.sample(random, customers, INACTIVE_CUSTOMERS * scale)) {
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
                        .value(LAST_RENTAL.plusSeconds(shiftSeconds()).toLocalDate().toString())
                        .value(stamp(CUSTOMER_UPDATED))
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
                copy.value(id).value(filmOfItem[id]).value(RentalHistory.storeOfItem(id)).value(stamp(INVENTORY_UPDATED)).endRow();
            }
        }
        return filmOfItem;
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

    static <T> T pick(SplittableRandom random, List<T> values) {
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
