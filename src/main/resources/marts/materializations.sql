-- How a model declared `-- materialized: scd2` keeps its versions (slowly changing dimension, type 2), as
-- dbt's snapshots do. Portable SQL: DuckDB and Snowflake run these unchanged; a warehouse that needs its
-- own puts a file of the same name in marts/<dialect>/. ${...} tokens are identifiers quoted from the model;
-- values are bound with ?. ${changes} and ${versions} are temporary tables of the run.

-- The model's own SELECT: per entity that may have changed in the window, its natural id, changed_at (the
-- source commit time of the change), is_deleted and its attributes now.
-- name: scd2-changes
create or replace temporary table ${changes} as
${select};

-- The dimension takes its column types from the model's SELECT, then the version columns.
-- name: scd2-create
create table if not exists ${target} as
select cast(null as bigint) as ${surrogate_key},
       ch.${natural_id},
       ${change_attributes},
       cast(null as timestamp with time zone) as valid_from,
       cast(null as timestamp with time zone) as valid_to,
       cast(null as boolean) as is_current,
       cast(null as boolean) as is_deleted,
       cast(null as varchar) as row_hash,
       cast(null as timestamp with time zone) as loaded_at
from ${changes} as ch
where 1 = 0;

-- The hash of a change's tracked attributes: a new version opens when it differs from the current one's.
-- name: scd2-row-hash
md5(concat_ws('|', ${parts}));

-- name: scd2-row-hash-part
coalesce(cast(ch.${column} as varchar), '<null>');

-- Each changed entity with the hash of its tracked attributes, beside its current version's hash (if any)
-- and whether it ever had a version (a first version is valid from the beginning of time).
-- name: scd2-versions
create or replace temporary table ${versions} as
select ch.*,
       case when ch.is_deleted then 'deleted' else ${row_hash} end as row_hash,
       current_version.row_hash as current_hash,
       history.${natural_id} is not null as has_history
from ${changes} as ch
left join ${target} as current_version
    on current_version.${natural_id} = ch.${natural_id} and current_version.is_current
left join (select distinct ${natural_id} from ${target}) as history
    on history.${natural_id} = ch.${natural_id};

-- Untracked attributes follow the current version in place when nothing tracked changed.
-- name: scd2-update-untracked
merge into ${target} as d
using (select * from ${versions} where row_hash = current_hash) as v
on d.${natural_id} = v.${natural_id} and d.is_current
when matched then update set ${untracked_assignments}, loaded_at = ?;

-- Close the current version of every entity that changed or was deleted.
-- name: scd2-close
merge into ${target} as d
using (select * from ${versions} where current_hash is not null and row_hash <> current_hash) as v
on d.${natural_id} = v.${natural_id} and d.is_current
when matched then update set valid_to = v.changed_at, is_current = false, is_deleted = v.is_deleted, loaded_at = ?;

-- Open the new versions: surrogate keys follow the largest one so far.
-- name: scd2-open
insert into ${target} (${surrogate_key}, ${natural_id}, ${attributes}, valid_from, valid_to, is_current, is_deleted,
                       row_hash, loaded_at)
select keys.last_key + row_number() over (order by v.${natural_id}),
       v.${natural_id},
       ${version_attributes},
       case when v.has_history then v.changed_at else ? end,
       ?,
       true,
       false,
       v.row_hash,
       ?
from ${versions} as v
cross join (select coalesce(max(${surrogate_key}), 0) as last_key from ${target}) as keys
where not v.is_deleted and (v.current_hash is null or v.row_hash <> v.current_hash);

-- How a model declared `-- materialized: incremental` is kept, as dbt's incremental models with the merge
-- strategy: the model is one SELECT of the rows that may have changed in the window, keyed by `-- key:`;
-- a row whose is_deleted is true leaves the table (with `-- deleted: keep` it stays, marked). Every other
-- column the SELECT returns is stored, and loaded_at is the run's staging load time.

-- name: incremental-changes
create or replace temporary table ${changes} as
${select};

-- The table takes its column types from the SELECT, then loaded_at.
-- name: incremental-create
create table if not exists ${target} as
select ${change_columns}, cast(null as timestamp with time zone) as loaded_at
from ${changes} as ch
where 1 = 0;

-- ${source} is the temporary table of the changes (incremental-changes) when few source rows changed in the
-- window (planned over it, the MERGE knows how few rows there are) and at a model's first run in a process
-- (when its columns are learnt and its table created); otherwise the SELECT itself, in parentheses.
-- name: incremental-merge
merge into ${target} as t
using ${source} as s
on ${key_match}
${delete_matched}
when matched then update set ${update_assignments}loaded_at = ?
when not matched ${unless_deleted}then insert (${columns}, loaded_at) values (${source_columns}, ?);
