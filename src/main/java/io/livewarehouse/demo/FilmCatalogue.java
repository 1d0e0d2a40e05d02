package io.livewarehouse.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.livewarehouse.demo.DvdRentalGenerator.ACTORS;
import static io.livewarehouse.demo.DvdRentalGenerator.FILMS;
import static io.livewarehouse.demo.DvdRentalGenerator.FILM_ACTORS;
import static io.livewarehouse.demo.DvdRentalGenerator.FILM_UPDATED;
import static io.livewarehouse.demo.DvdRentalGenerator.pick;

/**
 * The generated films of {@link DvdRentalGenerator}, with their categories and casts: the sample's 1,000
 * films, titles unique, five or six distinct actors each, rental durations of three to seven days and rates
 * of 0.99, 2.99 or 4.99, at every scale.
 */
final class FilmCatalogue {

    private FilmCatalogue() {
    }

    /** What rentals and payments need to know of each film. */
    record FilmFacts(int[] rentalDurationDays, BigDecimal[] rentalRate) {
    }

    /** Loads film, film_category and film_actor by COPY, drawing from {@code random}. */
    static FilmFacts load(Connection connection, SplittableRandom random, DvdRentalGenerator dates) throws SQLException {
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
                        .value(dates.stamp(FILM_UPDATED))
                        .value(specialFeatures(random))
                        .endRow();
            }
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.film_category", "film_id, category_id, last_update")) {
            for (int id = 1; id <= FILMS; id++) {
                copy.value(id).value(1 + random.nextInt(Vocabulary.CATEGORIES.size())).value(dates.stamp("2006-02-15 10:07:09")).endRow();
            }
        }
        // 5462 casting rows: every film has five actors and 462 films a sixth, all distinct within a film.
        int extraActors = FILM_ACTORS - 5 * FILMS;
        boolean[] hasSixth = new boolean[FILMS + 1];
        for (int film : RentalHistory.sample(random, FILMS, extraActors)) {
            hasSixth[film] = true;
        }
        try (CopyWriter copy = new CopyWriter(connection, "public.film_actor", "actor_id, film_id, last_update")) {
            for (int film = 1; film <= FILMS; film++) {
                int[] actors = RentalHistory.sample(random, ACTORS, hasSixth[film] ? 6 : 5);
                Arrays.sort(actors);
                for (int actor : actors) {
                    copy.value(actor).value(film).value(dates.stamp("2006-02-15 10:05:03")).endRow();
                }
            }
        }
        return new FilmFacts(durations, rates);
    }

    private static List<String> uniqueTitles(SplittableRandom random) {
        int combinations = Vocabulary.TITLE_FIRST.size() * Vocabulary.TITLE_SECOND.size();
        List<String> titles = new ArrayList<>(FILMS);
        for (int combination : RentalHistory.sample(random, combinations, FILMS)) {
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
}
