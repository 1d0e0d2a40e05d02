-- What the serving endpoints read besides the dashboard. ${...} tokens are identifiers quoted from the
-- model catalog (never from a request); values are bound.

-- name: mart-count
select count(*) from ${table};

-- One page of a mart in the order of its key: limit and offset bound.
-- name: mart-page
select * from ${table} order by ${key} limit ? offset ?;

-- name: dead-letter-count
select count(*) from _pipeline.dead_letters;

-- name: dead-letters-latest
select table_name, key_json, lsn, error, failed_at
from _pipeline.dead_letters
order by failed_at desc
limit 20;
