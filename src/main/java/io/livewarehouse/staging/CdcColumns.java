package io.livewarehouse.staging;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;
import java.util.List;

import static io.livewarehouse.types.ColumnType.Kind;

/**
 * The change-data-capture metadata every staging table carries after the source columns, prefixed
 * {@code _cdc_} as Airbyte prefixes {@code _ab_cdc_}.
 */
public final class CdcColumns {

    /** r (snapshot read), c (insert), u (update), d (delete). */
    public static final String OP = "_cdc_op";
    /** Log sequence number of the change (for snapshot rows, the snapshot's position). */
    public static final String LSN = "_cdc_lsn";
    /** Order of the event within its source transaction (0 for snapshot rows): several events can share one LSN. */
    public static final String SEQ = "_cdc_seq";
    public static final String TX_ID = "_cdc_tx_id";
    /** Commit time of the change at the source (UTC). */
    public static final String SOURCE_TS = "_cdc_source_ts";
    /** When the row was written to staging (UTC). */
    public static final String LOADED_AT = "_cdc_loaded_at";
    public static final String DELETED = "_cdc_deleted";
    /**
     * Columns whose value the source did not send (unchanged TOASTed values under REPLICA IDENTITY DEFAULT):
     * they are NULL in this row and must keep their last known value downstream.
     */
    public static final String UNAVAILABLE = "_cdc_unavailable";

    /**
     * Values staging cannot hold (numeric NaN in a DECIMAL, ±infinity dates, time 24:00:00...): a JSON object
     * from column name to the value as the source prints it; those columns are NULL in this row.
     */
    public static final String INVALID = "_cdc_invalid";

    public static final List<StagingColumn> ALL = List.of(
            new StagingColumn(OP, ColumnType.of(Kind.TEXT)),
            new StagingColumn(LSN, ColumnType.of(Kind.BIGINT)),
            new StagingColumn(SEQ, ColumnType.of(Kind.INTEGER)),
            new StagingColumn(TX_ID, ColumnType.of(Kind.BIGINT)),
            new StagingColumn(SOURCE_TS, ColumnType.of(Kind.TIMESTAMPTZ)),
            new StagingColumn(LOADED_AT, ColumnType.of(Kind.TIMESTAMPTZ)),
            new StagingColumn(DELETED, ColumnType.of(Kind.BOOLEAN)),
            new StagingColumn(UNAVAILABLE, ColumnType.of(Kind.JSON)),
            new StagingColumn(INVALID, ColumnType.of(Kind.JSON)));

    private CdcColumns() {
    }
}
