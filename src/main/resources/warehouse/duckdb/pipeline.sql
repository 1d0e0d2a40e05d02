-- Statements the pipeline runs on DuckDB. ${...} tokens are identifiers quoted from the schema; values are
-- always bound with ?.

-- name: create-schemas
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists _pipeline;

-- Debezium offsets, written in the same transaction as the staging rows they cover.
-- name: create-offsets
create table if not exists _pipeline.offsets (
    offset_key varchar primary key,
    offset_value varchar not null,
    updated_at timestamptz not null
);

-- Events that could not be converted or written: the pipeline records them here and goes on.
-- name: create-dead-letters
create table if not exists _pipeline.dead_letters (
    table_name varchar,
    key_json varchar,
    lsn bigint,
    payload_json varchar,
    error varchar not null,
    failed_at timestamptz not null
);

-- name: read-offsets
select offset_key, offset_value from _pipeline.offsets;

-- name: delete-offset
delete from _pipeline.offsets where offset_key = ?;

-- name: insert-offset
insert into _pipeline.offsets (offset_key, offset_value, updated_at) values (?, ?, ?);

-- name: insert-dead-letter
insert into _pipeline.dead_letters (table_name, key_json, lsn, payload_json, error, failed_at) values (?, ?, ?, ?, ?, ?);

-- The newest position already in a staging table: events at or below it may be replays.
-- name: staging-high-water
select max(_cdc_lsn) from ${table};

-- Replayed events appended again after a restart are removed. A change is identified by its LSN, its order
-- in the transaction and its key, and the copy written first is kept. A snapshot row is identified by its
-- key alone and the newest snapshot's copy is kept: a snapshot interrupted by a crash is redone from the
-- start at a new position. Only rows from the batch's first LSN on, and snapshot rows, are looked at.
-- name: delete-replayed
delete from ${table}
where rowid in (
    select rowid
    from (
        select rowid,
               row_number() over (
                   partition by _cdc_op = 'r',
                                case when _cdc_op = 'r' then null else _cdc_lsn end,
                                case when _cdc_op = 'r' then null else _cdc_seq end${key_columns}
                   order by _cdc_lsn desc, _cdc_loaded_at, rowid) as copy_number
        from ${table}
        where _cdc_lsn >= ? or _cdc_op = 'r'
    ) copies
    where copy_number > 1
);
