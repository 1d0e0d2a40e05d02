-- What the capture reads about each captured table at the source before it streams (CapturedTables).
-- Values are bound with ?.

-- The table's columns in order, with each one's default expression (generated columns have none here).
-- name: table-columns
select a.attname, a.attnum, case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end
from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass
  and a.attnum > 0 and not a.attisdropped
order by a.attnum;

-- One table: its kind (table or partitioned), replica identity, primary key, replica identity index, columns,
-- stored and virtual generated columns, and the partitioned tables it is a partition of.
-- name: describe-table
select c.oid, c.relkind, c.relreplident,
       (select array_agg(a.attname::text order by array_position(i.indkey, a.attnum))
        from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = c.oid and i.indisprimary) as primary_key,
       (select array_agg(a.attname::text order by array_position(i.indkey, a.attnum))
        from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = c.oid and i.indisreplident) as identity_index,
       (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = 's') as generated,
       (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = 'v') as virtual,
       (select array_agg(an.nspname || '.' || ac.relname)
        from pg_partition_ancestors(c.oid) p
        join pg_class ac on ac.oid = p.relid join pg_namespace an on an.oid = ac.relnamespace
        where p.relid <> c.oid) as ancestors
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = ? and c.relname = ? and c.relkind in ('r', 'p');
