-- What Snowflake writes its own way, beside the statements every warehouse shares (warehouse/pipeline.sql);
-- the same names as warehouse/duckdb/pipeline.sql. ${...} tokens are identifiers quoted from the schema;
-- values are always bound with ?. staging., marts. and _pipeline. stand for the configured schemas
-- (pipeline.warehouse.snowflake.*-schema), ${staging_schema} and its siblings for their quoted names.
-- Unquoted names fold to upper case, as the quoted ones the pipeline writes do (SnowflakeDialect). DDL
-- commits the open transaction: none of it runs between rows and offsets.

-- A table's columns; NUMBER with its precision and scale, as the dialect writes it in DDL.
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

-- Snowflake moves a table renamed to an unqualified name into the session's schema: name it in full.
-- name: rename-mart-table
alter table ${table} rename to ${new_table};

-- A widening type change at the source (integer to bigint, numeric(5,2) to numeric(7,2)). Snowflake takes
-- SET DATA TYPE or TYPE; this is the form the SQL parser of the offline tests knows too.
-- name: widen-column
alter table ${table} alter column ${column} type ${type};

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

-- Whether the latest change in the window, in the same source order, deleted the key.
-- name: current-state-deleted
max_by(_cdc_deleted, to_char(_cdc_loaded_at, 'YYYY-MM-DD HH24:MI:SS.FF6') || iff(_cdc_op <> 'r', '1', '0')
    || lpad(to_varchar(_cdc_lsn), 20, '0') || lpad(to_varchar(_cdc_seq), 10, '0')) as _deleted

-- The snapshot by COPY on Snowflake. A table's CSV copy is uploaded (PUT, a file operation outside any
-- transaction) to the stage of its load table, a transient table of text columns c0, c1, ... c_invalid
-- created before (DDL, so never inside the staging transaction; a new one each time, which empties its stage
-- of what an earlier attempt left). In the transaction that stores the snapshot's offsets, COPY INTO
-- (DML) fills the load table, the rows go into the staging table with the same conversions and hashing
-- as DuckDB's read of the file does (insert-snapshot-load), and the load table is emptied. Why a load
-- table and not a transforming COPY straight into staging: a table stage takes no query as the source of
-- its COPY, and the text forms need the conversions of every other load (fromText, the salted hash).
-- name: create-snapshot-load
create or replace transient table ${load} (${load_columns});

-- The copied file, gzipped by the driver as it uploads it. OVERWRITE: a retried upload replaces its file.
-- name: put-snapshot-file
put '${file_url}' ${stage} auto_compress = true overwrite = true parallel = 4;

-- The file exactly as the source's COPY wrote it (csv, force_quote *): every value enclosed in double
-- quotes (doubled inside), NULL an empty unenclosed field, so "" stays an empty string; no escapes, no
-- NULL_IF spellings ('\N' is a value like any other). FORCE: the files named are loaded whatever load
-- history says (a rolled-back attempt's file has the same name).
-- name: copy-snapshot-file
copy into ${load}
from ${stage}
files = (${files})
file_format = (type = csv field_delimiter = ',' field_optionally_enclosed_by = '"' escape = none
               escape_unenclosed_field = none null_if = () empty_field_as_null = true compression = gzip
               encoding = 'UTF8' error_on_column_count_mismatch = true)
on_error = abort_statement
force = true;

-- A large staging batch of one table (pipeline.warehouse.snowflake.copy-batch-rows): its file, gzipped by
-- the pipeline, to the user stage (no DDL), inside the batch's transaction (PUT is a file operation).
-- OVERWRITE: the name is the attempt's own; a retry writes a new file.
-- name: put-staging-batch
put '${file_url}' ${stage} auto_compress = false source_compression = gzip overwrite = true parallel = 4;

-- A batch file whose COPY failed (purged only once loaded): best effort, the retry has a file of its own.
-- name: remove-staging-batch
remove ${file};

-- The batch file into its staging table, in the batch's transaction (DML): the file format of the snapshot's
-- files, binary values in hex, dates, times and timestamps in the forms named here (instants in UTC, the
-- session's time zone), so that no account-level input format applies; the select parses the JSON columns.
-- PURGE: the file goes once loaded. FORCE: whatever load history says (names are never reused).
-- name: copy-staging-batch
copy into ${table} (${columns})
from (select ${expressions} from ${stage})
files = (${files})
file_format = (type = csv field_delimiter = ',' field_optionally_enclosed_by = '"' escape = none
               escape_unenclosed_field = none null_if = () empty_field_as_null = true compression = gzip
               encoding = 'UTF8' binary_format = hex date_format = 'YYYY-MM-DD' time_format = 'HH24:MI:SS.FF6'
               timestamp_format = 'YYYY-MM-DD HH24:MI:SS.FF6')
on_error = abort_statement
purge = true
force = true;

-- name: insert-snapshot-load
insert into ${table} (${staging_columns})
select ${expressions}
from ${load};

-- name: delete-snapshot-load
delete from ${load};

-- After the commit: the load table goes, and its stage with it.
-- name: drop-snapshot-load
drop table if exists ${load};

-- Per column, the snapshot rows of one load staged with their value in _cdc_invalid (an object keyed by column).
-- name: count-invalid-values
select invalid.key as column_name, count(*)
from ${table} as t, lateral flatten(input => t._cdc_invalid) as invalid
where t._cdc_op = 'r' and t._cdc_loaded_at = ? and t._cdc_invalid is not null
group by invalid.key;
