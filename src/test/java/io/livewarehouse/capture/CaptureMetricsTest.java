package io.livewarehouse.capture;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.StagingComparison;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads on /q/metrics about capture: snapshot progress per table and events by operation. */
@QuarkusTest
class CaptureMetricsTest {

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @Test
    void snapshotProgressAndEventCountsArePublished() {
        StagingComparison.awaitStagingEqualsSource(source, warehouse);
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        // Every film was read by the snapshot, against an estimate taken from the source's statistics.
        assertThat(metrics).contains("pipeline_snapshot_rows{table=\"public.film\"} 1000.0")
                .contains("pipeline_snapshot_rows{table=\"public.country\"} 109.0")
                .containsPattern("pipeline_snapshot_rows_estimated\\{table=\"public.rental\"} 1[0-9]{4}\\.0")
                .containsPattern("pipeline_capture_events_total\\{operation=\"r\",table=\"rental\"} 16044\\.0")
                .contains("pipeline_staging_write_seconds_count")
                .contains("pipeline_staging_batch_rows_count");
    }
}
