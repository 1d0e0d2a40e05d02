-- What DuckDB writes its own way, beside the statements every warehouse shares (warehouse/pipeline.sql).
-- ${...} tokens are identifiers quoted from the schema; values are always bound with ?.

-- name: catalog-columns
select column_name, data_type from information_schema.columns
where table_schema = ? and table_name = ? order by ordinal_position;

-- name: create-schemas
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists _pipeline;

-- A widening type change at the source (integer to bigint, numeric(5,2) to numeric(7,2)).
-- name: widen-column
alter table ${table} alter column ${column} set data type ${type};

-- Snapshot rows from a CSV file copied from the source (pipeline.cdc.snapshot-method=copy): every value is
-- quoted and NULL is not, so quoted values are never NULL. The source columns arrive as text and are cast.
-- ${reader_options} raises the reader's 2 MB limit on a record when the file holds longer ones.
-- name: insert-snapshot-csv
insert into ${table} (${columns})
select ${expressions}
from read_csv(${file}, header = false, delim = ',', quote = '"', escape = '"', all_varchar = true,
              allow_quoted_nulls = false, columns = {${csv_columns}}${reader_options})

-- Replayed events appended again after a restart are removed. A change is identified by its key, its LSN and
-- its operation (one WAL record changes a row once; rows of one multi-row insert share an LSN but not a key),
-- not by its order in the transaction, which a replay that starts inside a transaction would number anew.
-- The copy written first is kept. Only rows from the batch's first LSN on are looked at.
-- name: delete-replayed-changes
delete from ${table}
where rowid in (
    select rowid
    from (
        select rowid,
               row_number() over (
                   partition by _cdc_lsn, _cdc_op${key_columns}
                   order by _cdc_loaded_at, rowid) as copy_number
        from ${table}
        where _cdc_lsn >= ? and _cdc_op <> 'r'
    ) copies
    where copy_number > 1
);

-- A snapshot row is identified by its key alone and the newest snapshot's copy is kept: a snapshot
-- interrupted by a crash is redone from the start at a new position.
-- name: delete-replayed-snapshot
delete from ${table}
where rowid in (
    select rowid
    from (
        select rowid,
               row_number() over (
                   partition by _cdc_op${key_columns}
                   order by _cdc_lsn desc, _cdc_loaded_at, rowid) as copy_number
        from ${table}
        where _cdc_op = 'r'
    ) copies
    where copy_number > 1
);

-- Per value column of merge-current-state: its latest value among the changes that carried it (a change
-- marked unavailable, unchanged TOAST, does not), in source order: the batch it was staged in (batches
-- arrive in source commit order, each later than the one before), within a batch snapshot rows before
-- streamed changes, then LSN and order within the transaction. Not the LSN first: a transaction that was
-- open while the replication slot was created commits after the snapshot, so the snapshot does not hold it,
-- yet its changes carry LSNs below the snapshot's.
-- name: current-state-latest-value
arg_max_null(${column}, struct_pack(loaded := _cdc_loaded_at, streamed := _cdc_op <> 'r', lsn := _cdc_lsn, seq := _cdc_seq))
    filter (where _cdc_unavailable is null or not json_contains(_cdc_unavailable, ${json_name})) as ${column}

-- Whether any change in the window carried the column at all.
-- name: current-state-carried
bool_or(_cdc_unavailable is null or not json_contains(_cdc_unavailable, ${json_name})) as ${flag}

-- Whether the latest change in the window, in the same source order, deleted the key.
-- name: current-state-deleted
arg_max_null(_cdc_deleted, struct_pack(loaded := _cdc_loaded_at, streamed := _cdc_op <> 'r', lsn := _cdc_lsn, seq := _cdc_seq)) as _deleted

-- A mart written to a Parquet file for other tools (the serving exports). ${file} is a quoted string
-- literal of a path from the configuration, never from a request.
-- name: export-parquet
copy (select * from ${table}) to ${file} (format parquet);

-- Per column, the snapshot rows of one load whose value staging could not hold (kept in _cdc_invalid).
-- name: count-invalid-values
select invalid.column_name, count(*)
from (select unnest(json_keys(_cdc_invalid)) as column_name from ${table}
      where _cdc_op = 'r' and _cdc_loaded_at = ? and _cdc_invalid is not null) as invalid
group by invalid.column_name;
