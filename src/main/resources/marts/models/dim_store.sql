-- dim_store: the two shops with their address and manager, SCD type 2.
-- grain: one row per version of a store; a new version when a tracked attribute changes, also through its
--        address, city, country or its manager's name
-- key: store_key (surrogate); natural id store_id; valid_from, valid_to, is_current, is_deleted
-- inputs: int_store, int_staff, int_address, int_city, int_country

create table if not exists marts.dim_store (
    store_key bigint primary key,
    store_id integer not null,
    manager_staff_id smallint,
    manager_name varchar,
    address varchar,
    district varchar,
    city varchar,
    country varchar,
    valid_from timestamptz not null,
    valid_to timestamptz not null,
    is_current boolean not null,
    is_deleted boolean not null,
    row_hash varchar not null,
    loaded_at timestamptz not null
);

create or replace temporary table dim_store_changes as
with window_store as (
    select store_id, max(_cdc_source_ts) as changed_at
    from staging.store
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    group by store_id
),

window_manager as (
    select st.store_id, max(s._cdc_source_ts) as changed_at
    from staging.staff as s
    join marts.int_store as st on st.manager_staff_id = s.staff_id
    where s._cdc_loaded_at > :loaded_from and s._cdc_loaded_at <= :loaded_through
    group by st.store_id
),

window_address as (
    select st.store_id, max(a._cdc_source_ts) as changed_at
    from staging.address as a
    join marts.int_store as st on st.address_id = a.address_id
    where a._cdc_loaded_at > :loaded_from and a._cdc_loaded_at <= :loaded_through
    group by st.store_id
),

window_city as (
    select st.store_id, max(ci._cdc_source_ts) as changed_at
    from staging.city as ci
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_store as st on st.address_id = a.address_id
    where ci._cdc_loaded_at > :loaded_from and ci._cdc_loaded_at <= :loaded_through
    group by st.store_id
),

window_country as (
    select st.store_id, max(co._cdc_source_ts) as changed_at
    from staging.country as co
    join marts.int_city as ci on ci.country_id = co.country_id
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_store as st on st.address_id = a.address_id
    where co._cdc_loaded_at > :loaded_from and co._cdc_loaded_at <= :loaded_through
    group by st.store_id
),

affected as (
    select store_id, max(changed_at) as changed_at
    from (
        select * from window_store
        union all select * from window_manager
        union all select * from window_address
        union all select * from window_city
        union all select * from window_country
    ) as changes
    group by store_id
),

attributes as (
    select affected.store_id,
           affected.changed_at,
           st.store_id is null as is_deleted,
           st.manager_staff_id,
           m.first_name || ' ' || m.last_name as manager_name,
           a.address,
           a.district,
           ci.city,
           co.country
    from affected
    left join marts.int_store as st on st.store_id = affected.store_id
    left join marts.int_staff as m on m.staff_id = st.manager_staff_id
    left join marts.int_address as a on a.address_id = st.address_id
    left join marts.int_city as ci on ci.city_id = a.city_id
    left join marts.int_country as co on co.country_id = ci.country_id
),

hashed as (
    select *,
           case when is_deleted then 'deleted' else md5(concat_ws('|',
               coalesce(cast(manager_staff_id as varchar), '<null>'), coalesce(manager_name, '<null>'),
               coalesce(address, '<null>'), coalesce(district, '<null>'), coalesce(city, '<null>'),
               coalesce(country, '<null>'))) end as row_hash
    from attributes
)

select hashed.*
from hashed
left join marts.dim_store as current_version
    on current_version.store_id = hashed.store_id and current_version.is_current
where (current_version.store_id is null and not hashed.is_deleted)
   or (current_version.store_id is not null and current_version.row_hash <> hashed.row_hash);

merge into marts.dim_store as d
using dim_store_changes as ch
on d.store_id = ch.store_id and d.is_current
when matched then update set valid_to = ch.changed_at, is_current = false, is_deleted = ch.is_deleted,
    loaded_at = :loaded_through;

insert into marts.dim_store
select (select coalesce(max(store_key), 0) from marts.dim_store) + row_number() over (order by ch.store_id),
       ch.store_id, ch.manager_staff_id, ch.manager_name, ch.address, ch.district, ch.city, ch.country,
       case when exists (select 1 from marts.dim_store as d where d.store_id = ch.store_id)
            then ch.changed_at else timestamptz '1900-01-01 00:00:00+00' end,
       timestamptz '9999-12-31 00:00:00+00',
       true,
       false,
       ch.row_hash,
       :loaded_through
from dim_store_changes as ch
where not ch.is_deleted;
