-- dim_staff: the people behind the counters, with where they live (never their password), SCD type 2.
-- grain: one row per version of a staff member; a new version when a tracked attribute changes, also
--        through the staff member's address, city or country
-- key: staff_key (surrogate); natural id staff_id; valid_from, valid_to, is_current, is_deleted
-- inputs: int_staff, int_address, int_city, int_country
-- The password is excluded from capture (pipeline.source.column-exclude-list) and the picture is left out.

create table if not exists marts.dim_staff (
    staff_key bigint primary key,
    staff_id integer not null,
    first_name varchar,
    last_name varchar,
    full_name varchar,
    email varchar,
    is_active boolean,
    username varchar,
    store_id smallint,
    address varchar,
    city varchar,
    country varchar,
    valid_from timestamptz not null,
    valid_to timestamptz not null,
    is_current boolean not null,
    is_deleted boolean not null,
    row_hash varchar not null,
    loaded_at timestamptz not null
);

create or replace temporary table dim_staff_changes as
with window_staff as (
    select staff_id, max(_cdc_source_ts) as changed_at
    from staging.staff
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    group by staff_id
),

window_address as (
    select s.staff_id, max(a._cdc_source_ts) as changed_at
    from staging.address as a
    join marts.int_staff as s on s.address_id = a.address_id
    where a._cdc_loaded_at > :loaded_from and a._cdc_loaded_at <= :loaded_through
    group by s.staff_id
),

window_city as (
    select s.staff_id, max(ci._cdc_source_ts) as changed_at
    from staging.city as ci
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_staff as s on s.address_id = a.address_id
    where ci._cdc_loaded_at > :loaded_from and ci._cdc_loaded_at <= :loaded_through
    group by s.staff_id
),

window_country as (
    select s.staff_id, max(co._cdc_source_ts) as changed_at
    from staging.country as co
    join marts.int_city as ci on ci.country_id = co.country_id
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_staff as s on s.address_id = a.address_id
    where co._cdc_loaded_at > :loaded_from and co._cdc_loaded_at <= :loaded_through
    group by s.staff_id
),

affected as (
    select staff_id, max(changed_at) as changed_at
    from (
        select * from window_staff
        union all select * from window_address
        union all select * from window_city
        union all select * from window_country
    ) as changes
    group by staff_id
),

attributes as (
    select affected.staff_id,
           affected.changed_at,
           s.staff_id is null as is_deleted,
           s.first_name,
           s.last_name,
           s.first_name || ' ' || s.last_name as full_name,
           s.email,
           s.active as is_active,
           s.username,
           s.store_id,
           a.address,
           ci.city,
           co.country
    from affected
    left join marts.int_staff as s on s.staff_id = affected.staff_id
    left join marts.int_address as a on a.address_id = s.address_id
    left join marts.int_city as ci on ci.city_id = a.city_id
    left join marts.int_country as co on co.country_id = ci.country_id
),

hashed as (
    select *,
           case when is_deleted then 'deleted' else md5(concat_ws('|',
               coalesce(first_name, '<null>'), coalesce(last_name, '<null>'), coalesce(email, '<null>'),
               coalesce(cast(is_active as varchar), '<null>'), coalesce(username, '<null>'),
               coalesce(cast(store_id as varchar), '<null>'), coalesce(address, '<null>'),
               coalesce(city, '<null>'), coalesce(country, '<null>'))) end as row_hash
    from attributes
)

select hashed.*
from hashed
left join marts.dim_staff as current_version
    on current_version.staff_id = hashed.staff_id and current_version.is_current
where (current_version.staff_id is null and not hashed.is_deleted)
   or (current_version.staff_id is not null and current_version.row_hash <> hashed.row_hash);

merge into marts.dim_staff as d
using dim_staff_changes as ch
on d.staff_id = ch.staff_id and d.is_current
when matched then update set valid_to = ch.changed_at, is_current = false, is_deleted = ch.is_deleted,
    loaded_at = :loaded_through;

insert into marts.dim_staff
select (select coalesce(max(staff_key), 0) from marts.dim_staff) + row_number() over (order by ch.staff_id),
       ch.staff_id, ch.first_name, ch.last_name, ch.full_name, ch.email, ch.is_active, ch.username, ch.store_id,
       ch.address, ch.city, ch.country,
       case when exists (select 1 from marts.dim_staff as d where d.staff_id = ch.staff_id)
            then ch.changed_at else timestamptz '1900-01-01 00:00:00+00' end,
       timestamptz '9999-12-31 00:00:00+00',
       true,
       false,
       ch.row_hash,
       :loaded_through
from dim_staff_changes as ch
where not ch.is_deleted;
