package io.livewarehouse.capture;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.sql.SQLException;
import java.util.Map;

/**
 * {@code POST /pipeline/tables/{schema.table}/resync}: a new snapshot of one captured table while the stream
 * goes on (see {@link TableResync}). Answers 202 at once; the pipeline page and {@code _pipeline.table_syncs}
 * show when it is staged. Keys the new snapshot does not have are deleted from the current state, so a resync
 * repairs a table that drifted for any reason.
 */
@Path("/pipeline/tables")
@Produces(MediaType.APPLICATION_JSON)
public class TablesResource {

    private final TableResync resync;

    public TablesResource(TableResync resync) {
        this.resync = resync;
    }

    @POST
    @Path("/{table}/resync")
    public Response resync(@PathParam("table") String table) throws SQLException {
        try {
            boolean requested = resync.request(table, "resync requested");
            return Response.accepted(Map.of("table", table,
                    "state", requested ? "waiting for its snapshot" : "already waiting for its snapshot")).build();
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.NOT_FOUND).entity(Map.of("error", e.getMessage())).build();
        } catch (IllegalStateException e) {
            return Response.status(Response.Status.CONFLICT).entity(Map.of("error", e.getMessage())).build();
        }
    }
}
