package io.livewarehouse.marts;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.sql.SQLException;
import java.util.List;

/** Data tests on demand: {@code POST /pipeline/data-tests} runs them, {@code GET} shows the last run. */
@Path("/pipeline/data-tests")
@Produces(MediaType.APPLICATION_JSON)
public class DataTestsResource {

    private final DataTests dataTests;

    public DataTestsResource(DataTests dataTests) {
        this.dataTests = dataTests;
    }

    @GET
    public List<DataTests.Result> last() {
        return dataTests.lastResults();
    }

    @POST
    public List<DataTests.Result> run() throws SQLException {
        return dataTests.run(true);
    }
}
