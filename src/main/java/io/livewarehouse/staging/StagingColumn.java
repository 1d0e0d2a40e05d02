package io.livewarehouse.staging;

/** A column of a staging table: a source column, or one of the {@code _cdc_} metadata columns. */
public record StagingColumn(String name, ColumnType type) {
}
