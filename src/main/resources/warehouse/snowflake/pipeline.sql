-- Statements the pipeline runs on Snowflake, beside warehouse/duckdb/pipeline.sql (same names). ${...} tokens
-- are identifiers quoted from the schema; values are always bound with ?. staging., marts. and _pipeline.
-- stand for the configured schemas (pipeline.warehouse.snowflake.*-schema), ${staging_schema} and its
-- siblings for their quoted names. Unquoted names fold to upper case, as the quoted ones the pipeline
-- writes do (SnowflakeDialect). DDL commits the open transaction: none of it runs between rows and offsets.

-- What the catalog says about staging and mart tables (names bound as the catalog spells them). NUMBER
-- comes with its precision and scale, as the dialect writes it in DDL.
-- name: catalog-tables
select table_name from information_schema.tables where table_schema = ? order by table_name;

-- name: catalog-columns
select column_name,
       case when data_type = 'NUMBER' then 'NUMBER(' || numeric_precision || ',' || numeric_scale || ')'
            else data_type end as data_type
from information_schema.columns
where table_schema = ? and table_name = ? order by ordinal_position;

-- name: create-schemas
create schema if not exists ${staging_schema};
create schema if not exists ${marts_schema};
create schema if not exists ${pipeline_schema};

-- Debezium offsets, written in the same transaction as the staging rows they cover.
-- name: create-offsets
create table if not exists _pipeline.offsets (
    offset_key varchar primary key,
    offset_value varchar not null,
    updated_at timestamp_tz not null
);

-- Events that could not be converted or written: the pipeline records them here and goes on.
-- name: create-dead-letters
create table if not exists _pipeline.dead_letters (
    table_name varchar,
    key_json varchar,
    lsn bigint,
    payload_json varchar,
    error varchar not null,
    failed_at timestamp_tz not null
);

-- The primary key of each staging table's source table, as its change events carry it.
-- name: create-staging-tables
create table if not exists _pipeline.staging_tables (
    table_name varchar primary key,
    key_columns varchar not null
);

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

-- A widening type change at the source (integer to bigint, numeric(5,2) to numeric(7,2)). Snowflake takes
-- SET DATA TYPE or TYPE; this is the form the SQL parser of the offline tests knows too.
-- name: widen-column
alter table ${table} alter column ${column} type ${type};

-- The newest position already in a staging table: events at or below it may be replays.
-- name: staging-high-water
select max(_cdc_lsn) from ${table};

-- Replayed events appended again after a restart are removed (see the DuckDB file for why a change is its
-- key, LSN and operation). Snowflake has no row id: a copy goes when an earlier batch loaded the same change;
-- copies inside one batch never reach the table (the writer drops them before appending).
-- name: delete-replayed-changes
delete from ${table} as t
where t._cdc_lsn >= ? and t._cdc_op <> 'r'
  and exists (select 1 from ${table} as copies
              where copies._cdc_lsn = t._cdc_lsn and copies._cdc_op = t._cdc_op${key_match}
                and copies._cdc_loaded_at < t._cdc_loaded_at);

-- A snapshot row is identified by its key alone; the newest snapshot's copy is kept.
-- name: delete-replayed-snapshot
delete from ${table} as t
where t._cdc_op = 'r'
  and exists (select 1 from ${table} as copies
              where copies._cdc_op = 'r'${key_match} and copies._cdc_lsn > t._cdc_lsn);

-- Where each mart model has read staging up to (by load time), moved in the same transaction as its MERGE.
-- name: create-model-watermarks
create table if not exists _pipeline.model_watermarks (
    model varchar primary key,
    loaded_through timestamp_tz not null,
    updated_at timestamp_tz not null
);

-- One row per model run: the run log.
-- name: create-model-runs
create table if not exists _pipeline.model_runs (
    model varchar not null,
    started_at timestamp_tz not null,
    finished_at timestamp_tz not null,
    loaded_from timestamp_tz,
    loaded_through timestamp_tz,
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

-- name: insert-watermark
insert into _pipeline.model_watermarks (model, loaded_through, updated_at) values (?, ?, ?);

-- name: insert-model-run
insert into _pipeline.model_runs (model, started_at, finished_at, loaded_from, loaded_through, rows_changed, status, error)
values (?, ?, ?, ?, ?, ?, ?, ?);

-- Per value column of merge-current-state: its latest value among the changes that carried it, in source
-- order (see the DuckDB file). Snowflake has no FILTER clause and no struct ordering: a change that did not
-- carry the column gets no ordering value, which MAX_BY skips, and the order is one sortable string of
-- load time, snapshot-before-stream, LSN and order in the transaction.
-- name: current-state-latest-value
max_by(${column},
       iff(_cdc_unavailable is null or not array_contains(parse_json(${json_name}), _cdc_unavailable),
           to_char(_cdc_loaded_at, 'YYYY-MM-DD HH24:MI:SS.FF6') || iff(_cdc_op <> 'r', '1', '0')
               || lpad(to_varchar(_cdc_lsn), 20, '0') || lpad(to_varchar(_cdc_seq), 10, '0'),
           null)) as ${column}

-- Whether any change in the window carried the column at all.
-- name: current-state-carried
boolor_agg(_cdc_unavailable is null or not array_contains(parse_json(${json_name}), _cdc_unavailable)) as ${flag}

-- The current state of one source table, kept from its staging change log (see the DuckDB file).
-- name: merge-current-state
merge into ${target} as t
using (
    select ${key_columns},
           ${latest},
           ${available},
           max_by(_cdc_deleted, to_char(_cdc_loaded_at, 'YYYY-MM-DD HH24:MI:SS.FF6') || iff(_cdc_op <> 'r', '1', '0')
               || lpad(to_varchar(_cdc_lsn), 20, '0') || lpad(to_varchar(_cdc_seq), 10, '0')) as _deleted,
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

-- Every data test run's results.
-- name: create-data-test-results
create table if not exists _pipeline.data_test_results (
    run_at timestamp_tz not null,
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
    started_at timestamp_tz not null,
    finished_at timestamp_tz not null,
    tests integer not null,
    failed integer not null,
    status varchar not null,
    error varchar
);

-- name: insert-data-test-run
insert into _pipeline.data_test_runs (started_at, finished_at, tests, failed, status, error) values (?, ?, ?, ?, ?, ?);

-- Generic data tests: each counts the rows that break the rule.
-- name: test-unique
select count(*) from (
    select ${column} from ${model} where ${column} is not null group by ${column} having count(*) > 1
) as duplicates;

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

-- Reconciliation of a mart with the source (see DataTests).
-- name: reconcile-mart-measure
select ${measure} from ${model} where ${where};

-- name: reconcile-changed-keys
select distinct ${key} from ${staging_table} where _cdc_loaded_at > ? and _cdc_loaded_at <= ?;

-- name: reconcile-mart-measure-excluding
select ${measure}
from ${model} as m
where ${where}
  and not exists (select 1 from ${staging_table} as s
                  where s.${key} = m.${mart_key} and s._cdc_loaded_at > ? and s._cdc_loaded_at <= ?);
