package io.livewarehouse.serving;

import io.livewarehouse.marts.MartRunner;
import io.livewarehouse.support.NamedSql;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's data: headline metrics and the series of its charts, from the one big table, for a range of
 * rental dates and a store (both optional). {@code GET /api/dashboard?from=2005-05-01&to=2005-08-31&store=1}:
 * from and to are days, both included. {@code GET /api/dashboard/version} changes whenever a mart cycle has
 * changed a model, which is what the page polls to refresh itself.
 */
@Path("/api/dashboard")
@Produces(MediaType.APPLICATION_JSON)
public class DashboardResource {

    private static final NamedSql QUERIES = NamedSql.load("serving/dashboard.sql");
    private static final List<String> SERIES = List.of("revenue-by-month", "rentals-by-category", "top-films",
            "revenue-by-store", "revenue-by-country", "late-returns-by-month");

    private final ServingQueries queries;
    private final MartRunner marts;

    public DashboardResource(ServingQueries queries, MartRunner marts) {
        this.queries = queries;
        this.marts = marts;
    }

    @GET
    @Path("/version")
    public Map<String, Object> version() {
        Map<String, Object> version = new LinkedHashMap<>();
        version.put("version", marts.changes());
        version.put("changedAt", marts.lastChangedAt() == null ? null : marts.lastChangedAt().toInstant().toString());
        return version;
    }

    @GET
    public Map<String, Object> dashboard(@QueryParam("from") String from, @QueryParam("to") String to,
                                         @QueryParam("store") Integer store) throws SQLException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.putAll(version());
        List<Map<String, Object>> span = queries.query(sql("date-span"), List.of()).records();
        Object firstDay = span.isEmpty() ? null : span.get(0).get("first_day");
        Object lastDay = span.isEmpty() ? null : span.get(0).get("last_day");
        LocalDate first = day("from", from, firstDay);
        LocalDate last = day("to", to, lastDay);
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("from", first == null ? null : first.toString());
        filters.put("to", last == null ? null : last.toString());
        filters.put("store", store);
        filters.put("firstDay", firstDay);
        filters.put("lastDay", lastDay);
        filters.put("stores", queries.query(sql("stores"), List.of()).records());
        answer.put("filters", filters);
        if (first == null || last == null) {
            // No rentals in the marts yet.
            answer.put("headline", null);
            return answer;
        }
        List<Object> filter = new ArrayList<>();
        filter.add(first.atStartOfDay());
        filter.add(last.plusDays(1).atStartOfDay());
        filter.add(store);
        filter.add(store);
        Map<String, Object> totals = queries.query(sql("headline"), filter).records().get(0);
        Map<String, Object> headline = new LinkedHashMap<>();
        headline.put("revenue", totals.get("revenue"));
        headline.put("rentals", totals.get("rentals"));
        headline.put("activeCustomers", totals.get("active_customers"));
        headline.put("averageRentalDays", round(totals.get("average_rental_days"), 2));
        long returns = totals.get("returns") == null ? 0L : ((Number) totals.get("returns")).longValue();
        long late = totals.get("late_returns") == null ? 0L : ((Number) totals.get("late_returns")).longValue();
        headline.put("lateReturns", late);
        headline.put("returns", returns);
        headline.put("lateReturnRate", returns == 0 ? null
                : BigDecimal.valueOf(late).divide(BigDecimal.valueOf(returns), 4, RoundingMode.HALF_UP));
        answer.put("headline", headline);
        for (String series : SERIES) {
            answer.put(camel(series), queries.query(sql(series), filter).records());
        }
        return answer;
    }

    private static String sql(String name) {
        return QUERIES.get(name);
    }

    private static LocalDate day(String parameter, String given, Object fallback) {
        String text = given == null || given.isBlank() ? (fallback == null ? null : fallback.toString()) : given;
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text);
        } catch (DateTimeParseException e) {
            throw new BadRequestException(parameter + " must be a day as yyyy-MM-dd, not '" + given + "'");
        }
    }

    private static Object round(Object value, int scale) {
        return value == null ? null : new BigDecimal(value.toString()).setScale(scale, RoundingMode.HALF_UP);
    }

    private static String camel(String name) {
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }
}
