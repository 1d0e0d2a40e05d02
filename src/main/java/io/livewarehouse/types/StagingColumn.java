package io.livewarehouse.types;

/**
 * A column of a staging table: a source column, or one of the {@code _cdc_} metadata columns.
 * {@code defaultValue} is the source column's constant default (a staged value, null when it has none or one
 * that is computed): a column added at the source with a default reads that default in every existing row,
 * and staging gives its existing rows the same. {@code sourcePosition} is the column's position in the source
 * table (pg_attribute.attnum; null when unknown), which tells a renamed column from a new one.
 */
public record StagingColumn(String name, ColumnType type, Object defaultValue, Integer sourcePosition) {

    public StagingColumn(String name, ColumnType type) {
        this(name, type, null, null);
    }
}
