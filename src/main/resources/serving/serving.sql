-- What the serving endpoints read besides the dashboard. ${...} tokens are identifiers quoted from the
-- model catalog (never from a request); values are bound.

-- name: mart-count
select count(*) from ${table};

-- One page of a mart in the order of its key: limit and offset bound.
-- name: mart-page
select * from ${table} order by ${key} limit ? offset ?;

-- name: dead-letter-count
select count(*) from _pipeline.dead_letters;

-- Every snapshot of a table, newest first (the sync log): why, when, rows, keys gone at the source.
-- name: table-syncs-latest
select table_name, reason, started_at, finished_at, snapshot_rows, vanished_keys
from _pipeline.table_syncs
order by finished_at desc, table_name
limit 50;

-- The run log of the capture, newest first.
-- name: operations-latest
select occurred_at, operation, table_name, detail
from _pipeline.operations
order by occurred_at desc
limit 30;

-- name: dead-letters-latest
select table_name, key_json, lsn, error, failed_at
from _pipeline.dead_letters
order by failed_at desc
limit 20;
