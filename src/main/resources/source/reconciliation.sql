-- Statements the data tests run on the source PostgreSQL to reconcile the marts with it. ${...} tokens are
-- identifiers quoted from the models' yml files and the source settings; values are bound with ?.

-- Where the source's WAL is now: every transaction visible to the reading snapshot has its commit record
-- before it. The insert position, not pg_current_wal_lsn(): with synchronous_commit off a transaction is
-- visible before its commit record is written out, so the write position can still be behind it.
-- name: source-position
select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint;

-- name: source-measure
select ${measure} from ${table};

-- The measure over the rows whose key is not among those the pipeline is still carrying to the marts.
-- name: source-measure-excluding
select ${measure} from ${table} where not (${key} = any (?));
