-- Statements the pipeline runs on every warehouse, written once: SQL that DuckDB and Snowflake both take.
-- A warehouse's own file (warehouse/<dialect>/pipeline.sql) holds what it writes its own way and may
-- replace any of these by using the same name. ${...} tokens are identifiers quoted from the schema; values
-- are always bound with ?. Schemas are named staging., marts. and _pipeline.; the dialect maps them to
-- the warehouse's (Snowflake: the configured schemas).

-- What the catalog says about staging and mart tables (names bound as the catalog spells them).
-- name: catalog-tables
select table_name from information_schema.tables where table_schema = ? order by table_name;

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

-- The primary key of each staging table's source table, as its change events carry it.
-- name: create-staging-tables
create table if not exists _pipeline.staging_tables (
    table_name varchar primary key,
    key_columns varchar not null
);

-- Where each staging column came from: its position among the source table's columns (pg_attribute.attnum),
-- which a RENAME COLUMN keeps and an ADD COLUMN never reuses. A column that appears under a new name at a known
-- position is a renamed one. Rows are only added: the old name stays, for the current state to follow.
-- name: create-staging-columns
create table if not exists _pipeline.staging_columns (
    table_name varchar not null,
    column_name varchar not null,
    source_position integer not null
);

-- name: insert-staging-column
insert into _pipeline.staging_columns (table_name, column_name, source_position) values (?, ?, ?);

-- name: read-staging-columns
select column_name, source_position from _pipeline.staging_columns where table_name = ?;

-- Whether a staging table takes a write at all (run in a transaction that is rolled back): a change that cannot
-- be written is only set aside when its table takes others.
-- name: write-probe
insert into ${table} select * from ${table} limit 1;

-- RENAME COLUMN at the source.
-- name: rename-column
alter table ${table} rename column ${column} to ${new_name};

-- name: delete-staging-table
delete from _pipeline.staging_tables where table_name = ?;

-- name: insert-staging-table
insert into _pipeline.staging_tables (table_name, key_columns) values (?, ?);

-- name: read-staging-keys
select table_name, key_columns from _pipeline.staging_tables order by table_name;

-- name: read-offsets
select offset_key, offset_value from _pipeline.offsets;

-- name: delete-offset
delete from _pipeline.offsets where offset_key = ?;

-- name: insert-offset
insert into _pipeline.offsets (offset_key, offset_value, updated_at) values (?, ?, ?);

-- name: insert-dead-letter
insert into _pipeline.dead_letters (table_name, key_json, lsn, payload_json, error, failed_at) values (?, ?, ?, ?, ?, ?);

-- The writer's DDL for staging tables; ${columns} is the list of quoted names with the dialect's types.
-- name: create-staging-table
create table if not exists ${table} (
    ${columns}
);

-- ADD COLUMN at the source: older rows read NULL.
-- name: add-column
alter table ${table} add column ${column} ${type};

-- ADD COLUMN ... DEFAULT at the source: every existing row reads the default there, and here.
-- name: add-column-with-default
alter table ${table} add column ${column} ${type} default ${default};

-- The defaults of a table's columns (those added with one), as expressions.
-- name: catalog-column-defaults
select column_name, column_default from information_schema.columns
where table_schema = ? and table_name = ? and column_default is not null;

-- Every snapshot of a captured table (a snapshot generation): the first one, and each new one taken later
-- (after a lost replication slot, a table added to the capture, a resync asked for). The run log of syncs.
-- name: create-table-syncs
create table if not exists _pipeline.table_syncs (
    table_name varchar not null,
    reason varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    snapshot_rows bigint not null,
    vanished_keys bigint not null,
    snapshot_lsn bigint
);

-- name: insert-table-sync
insert into _pipeline.table_syncs (table_name, reason, started_at, finished_at, snapshot_rows, vanished_keys, snapshot_lsn)
values (?, ?, ?, ?, ?, ?, ?);

-- name: read-table-syncs
select table_name, reason, started_at, finished_at, snapshot_rows, vanished_keys, snapshot_lsn
from _pipeline.table_syncs order by finished_at desc, table_name limit 200;

-- What happened to the capture, one row per operation (the run log an operator reads): starts, refusals, a
-- lost slot and what was done, tables added, resynced or no longer captured, the source gone and back.
-- name: create-operations
create table if not exists _pipeline.operations (
    occurred_at timestamptz not null,
    operation varchar not null,
    table_name varchar,
    detail varchar
);

-- name: insert-operation
insert into _pipeline.operations (occurred_at, operation, table_name, detail) values (?, ?, ?, ?);

-- Tables waiting for a new snapshot of their own (added to the capture, or a resync asked for): until it is
-- staged, their streamed changes are staged without a load time (held: no model reads them), and the
-- snapshot's transaction gives them one after its rows. Kept here so that a restart holds them too.
-- name: create-resyncs
create table if not exists _pipeline.resyncs (
    table_name varchar primary key,
    reason varchar not null,
    requested_at timestamptz not null
);

-- name: insert-resync
insert into _pipeline.resyncs (table_name, reason, requested_at) values (?, ?, ?);

-- name: read-resyncs
select table_name, reason, requested_at from _pipeline.resyncs order by requested_at, table_name;

-- name: delete-resync
delete from _pipeline.resyncs where table_name = ?;

-- The held changes of a table follow its new snapshot rows, in the snapshot's batch.
-- name: release-held-changes
update ${table} set _cdc_loaded_at = ? where _cdc_loaded_at is null;

-- A table added and removed again before its first snapshot: its held changes go (see cancelResyncsOf).
-- name: delete-held-changes
delete from ${table} where _cdc_loaded_at is null;

-- Whether a table's staging holds any row loaded (not held).
-- name: count-loaded-rows
select count(*) from (select 1 from ${table} where _cdc_loaded_at is not null limit 1) as loaded;

-- A new snapshot generation of a table: a key whose newest row is older than the generation's snapshot rows,
-- and not a delete, was not seen by the snapshot, so the source no longer has it. It is staged as a delete
-- carrying its last known values, and the current state and the marts drop it as they drop any delete.
-- Rows held for a snapshot (no load time yet) are not looked at. Binds: lsn, transaction, source time, load
-- time, the generation's load time.
-- name: insert-vanished-keys
insert into ${table} (${source_columns}, _cdc_op, _cdc_lsn, _cdc_seq, _cdc_tx_id, _cdc_source_ts, _cdc_loaded_at,
                      _cdc_deleted, _cdc_unavailable, _cdc_invalid)
select ${source_columns}, 'd', ?, 0, ?, ?, ?, true, _cdc_unavailable, _cdc_invalid
from (
    select *, row_number() over (
                  partition by ${partition_key}
                  order by _cdc_loaded_at desc, case when _cdc_op = 'r' then 0 else 1 end desc, _cdc_lsn desc,
                           _cdc_seq desc) as _newest
    from ${table}
    where _cdc_loaded_at is not null
) as latest
where _newest = 1 and _cdc_loaded_at < ? and not _cdc_deleted;

-- The newest position already in a staging table: events at or below it may be replays.
-- name: staging-high-water
select max(_cdc_lsn) from ${table};

-- Where each mart model has read staging up to (by load time), moved in the same transaction as its MERGE.
-- name: create-model-watermarks
create table if not exists _pipeline.model_watermarks (
    model varchar primary key,
    loaded_through timestamptz not null,
    updated_at timestamptz not null
);

-- One row per model run: the run log.
-- name: create-model-runs
create table if not exists _pipeline.model_runs (
    model varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    loaded_from timestamptz,
    loaded_through timestamptz,
    rows_changed bigint,
    status varchar not null,
    error varchar
);

-- name: read-watermark
select loaded_through from _pipeline.model_watermarks where model = ?;

-- name: read-watermarks
select model, loaded_through from _pipeline.model_watermarks;

-- name: delete-watermark
delete from _pipeline.model_watermarks where model = ?;

-- name: delete-all-watermarks
delete from _pipeline.model_watermarks;

-- A current-state table kept under its earlier name (int_<table>, before the cur_ prefix) takes the new one,
-- and its watermark with it.
-- name: rename-mart-table
alter table ${table} rename to ${new_name};

-- name: rename-watermark
update _pipeline.model_watermarks set model = ? where model = ?;

-- name: insert-watermark
insert into _pipeline.model_watermarks (model, loaded_through, updated_at) values (?, ?, ?);

-- name: insert-model-run
insert into _pipeline.model_runs (model, started_at, finished_at, loaded_from, loaded_through, rows_changed, status, error)
values (?, ?, ?, ?, ?, ?, ?, ?);

-- The same three for every model a one-transaction cycle ran, at its end: ${models} is one ? per model,
-- ${rows} one parenthesised row of ? per model.
-- name: delete-watermarks-of
delete from _pipeline.model_watermarks where model in (${models});

-- name: insert-watermarks
insert into _pipeline.model_watermarks (model, loaded_through, updated_at) values ${rows};

-- name: insert-model-runs
insert into _pipeline.model_runs (model, started_at, finished_at, loaded_from, loaded_through, rows_changed, status, error)
values ${rows};

-- Every data test run's results.
-- name: create-data-test-results
create table if not exists _pipeline.data_test_results (
    run_at timestamptz not null,
    model varchar not null,
    test varchar not null,
    status varchar not null,
    failing_rows bigint,
    detail varchar
);

-- name: insert-data-test-result
insert into _pipeline.data_test_results (run_at, model, test, status, failing_rows, detail) values (?, ?, ?, ?, ?, ?);

-- One row per data test run: the run log beside the results.
-- name: create-data-test-runs
create table if not exists _pipeline.data_test_runs (
    started_at timestamptz not null,
    finished_at timestamptz not null,
    tests integer not null,
    failed integer not null,
    status varchar not null,
    error varchar
);

-- name: insert-data-test-run
insert into _pipeline.data_test_runs (started_at, finished_at, tests, failed, status, error) values (?, ?, ?, ?, ?, ?);

-- Run-log retention (routes/retention.yaml, run by camel-jdbc): rows older than the cutoff, a named
-- parameter (:?cutoff) that camel-jdbc binds from the exchange's header.
-- name: expire-model-runs
delete from _pipeline.model_runs where finished_at < :?cutoff;

-- name: expire-data-test-results
delete from _pipeline.data_test_results where run_at < :?cutoff;

-- name: expire-data-test-runs
delete from _pipeline.data_test_runs where finished_at < :?cutoff;

-- Generic data tests: each counts the rows that break the rule.
-- name: test-unique
select count(*) from (
    select ${column} from ${model} where ${column} is not null group by ${column} having count(*) > 1
) as duplicates;

-- A source's freshness (sources.yml): the newest value of its loaded_at_field in its staging table.
-- name: test-freshness
select max(cast(${field} as timestamp with time zone)) from ${table};

-- name: test-not-null
select count(*) from ${model} where ${column} is null;

-- name: test-accepted-values
select count(*) from ${model} where ${column} is not null and cast(${column} as varchar) not in (${values});

-- name: test-relationships
select count(*) from ${model} as child
where child.${column} is not null
  and not exists (select 1 from ${parent} as parent where parent.${field} = child.${column});

-- name: test-unique-current
select count(*) from (
    select ${column} from ${model} where is_current group by ${column} having count(*) > 1
) as duplicates;

-- Reconciliation of a mart with the source (see DataTests). ${where} selects the rows that stand for current
-- source rows (true when every row does).
-- name: reconcile-mart-measure
select ${measure} from ${model} where ${where};

-- The source keys staged in a load-time window: those the marts have not applied yet, or are applying.
-- name: reconcile-changed-keys
select distinct ${key} from ${staging_table} where _cdc_loaded_at > ? and _cdc_loaded_at <= ?;

-- name: reconcile-mart-measure-excluding
select ${measure}
from ${model} as m
where ${where}
  and not exists (select 1 from ${staging_table} as s
                  where s.${key} = m.${mart_key} and s._cdc_loaded_at > ? and s._cdc_loaded_at <= ?);

-- The current state of one source table, kept from its staging change log: per key the latest change by
-- source order; a delete removes the key; a column the change did not carry (unchanged TOAST) keeps its
-- value. ${latest} aggregates each column's latest available value, ${available} says whether the window
-- carried one at all, ${deleted} whether the latest change deleted the key (the dialect's current-state-*
-- fragments: the source order is written differently in each warehouse).
-- name: merge-current-state
merge into ${target} as t
using (
    select ${key_columns},
           ${latest},
           ${available},
           ${deleted},
           max(_cdc_lsn) as _cdc_lsn,
           max(_cdc_source_ts) as _cdc_source_ts,
           max(_cdc_loaded_at) as _cdc_loaded_at
    from ${source}
    where _cdc_loaded_at > ? and _cdc_loaded_at <= ?
    group by ${key_columns}
) as s
on ${key_match}
when matched and s._deleted then delete
when matched then update set ${update_assignments}
when not matched and not s._deleted then insert (${insert_columns}) values (${insert_values});
