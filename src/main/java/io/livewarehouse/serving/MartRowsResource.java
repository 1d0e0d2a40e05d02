package io.livewarehouse.serving;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Read-only access to the marts for BI tools while the pipeline runs (a DuckDB file is locked by its writer):
 * {@code GET /api/marts} lists them with their key and row count; {@code GET /api/marts/{mart}?page=0&size=1000}
 * gives one page in key order as JSON, or as CSV with {@code format=csv}. Only the served marts can be named;
 * nothing else from a request reaches the SQL but the bound page numbers.
 */
@Path("/api/marts")
public class MartRowsResource {

    static final int MAX_PAGE_SIZE = 10_000;

    private final ServingQueries queries;

    public MartRowsResource(ServingQueries queries) {
        this.queries = queries;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> marts() throws SQLException {
        List<Map<String, Object>> marts = new ArrayList<>();
        for (String mart : queries.servedMarts()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", mart);
            entry.put("rows", queries.count(mart));
            entry.put("href", "/api/marts/" + mart);
            marts.add(entry);
        }
        return marts;
    }

    @GET
    @Path("/{mart}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Response page(@PathParam("mart") String mart, @QueryParam("page") @DefaultValue("0") int page,
                         @QueryParam("size") @DefaultValue("1000") int size,
                         @QueryParam("format") @DefaultValue("json") String format) throws SQLException {
        if (!queries.isServed(mart)) {
            throw new NotFoundException("no mart named '" + mart + "'; GET /api/marts lists them");
        }
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw new BadRequestException("page must be 0 or more and size 1 to " + MAX_PAGE_SIZE);
        }
        long total = queries.count(mart);
        ServingQueries.Result rows = queries.page(mart, page, size);
        boolean more = (long) (page + 1) * size < total;
        if ("csv".equalsIgnoreCase(format)) {
            StringBuilder csv = new StringBuilder(String.join(",", rows.columns())).append("\r\n");
            for (List<Object> row : rows.rows()) {
                csv.append(row.stream().map(MartRowsResource::csvField).collect(Collectors.joining(","))).append("\r\n");
            }
            Response.ResponseBuilder response = Response.ok(csv.toString(), "text/csv; charset=UTF-8")
                    .header("X-Total-Count", total);
            if (more) {
                response.header("Link", "</api/marts/" + mart + "?format=csv&size=" + size + "&page=" + (page + 1) + ">; rel=\"next\"");
            }
            return response.build();
        }
        if (!"json".equalsIgnoreCase(format)) {
            throw new BadRequestException("format must be json or csv");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mart", mart);
        body.put("page", page);
        body.put("size", size);
        body.put("total", total);
        body.put("next", more ? "/api/marts/" + mart + "?size=" + size + "&page=" + (page + 1) : null);
        body.put("columns", rows.columns());
        body.put("rows", rows.rows());
        return Response.ok(body, MediaType.APPLICATION_JSON).header("X-Total-Count", total).build();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; NULL is empty. */
    static String csvField(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (text.isEmpty() || text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
