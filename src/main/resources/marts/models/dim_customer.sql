-- dim_customer: customers with where they live and which store they belong to, with history (SCD type 2).
-- grain: one row per version of a customer; a new version when a tracked attribute changes, also through
--        the customer's address, city or country
-- key: customer_key (surrogate); natural id customer_id; valid_from, valid_to, is_current, is_deleted
-- inputs: int_customer, int_address, int_city, int_country
-- The first version of a customer is valid from 1900-01-01 so that facts older than the pipeline find it.
-- A deleted customer's current version is closed and marked deleted.

create table if not exists marts.dim_customer (
    customer_key bigint primary key,
    customer_id integer not null,
    first_name varchar,
    last_name varchar,
    email varchar,
    is_active boolean,
    active integer,
    create_date date,
    store_id smallint,
    address varchar,
    address2 varchar,
    district varchar,
    postal_code varchar,
    phone varchar,
    city varchar,
    country varchar,
    valid_from timestamptz not null,
    valid_to timestamptz not null,
    is_current boolean not null,
    is_deleted boolean not null,
    row_hash varchar not null,
    -- The staging load time up to which the run that wrote this version had read: lets later models find
    -- the versions written since their own watermark.
    loaded_at timestamptz not null
);

create or replace temporary table dim_customer_changes as
with window_customer as (
    select customer_id, max(_cdc_source_ts) as changed_at
    from staging.customer
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    group by customer_id
),

window_address as (
    select c.customer_id, max(a._cdc_source_ts) as changed_at
    from staging.address as a
    join marts.int_customer as c on c.address_id = a.address_id
    where a._cdc_loaded_at > :loaded_from and a._cdc_loaded_at <= :loaded_through
    group by c.customer_id
),

window_city as (
    select c.customer_id, max(ci._cdc_source_ts) as changed_at
    from staging.city as ci
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_customer as c on c.address_id = a.address_id
    where ci._cdc_loaded_at > :loaded_from and ci._cdc_loaded_at <= :loaded_through
    group by c.customer_id
),

window_country as (
    select c.customer_id, max(co._cdc_source_ts) as changed_at
    from staging.country as co
    join marts.int_city as ci on ci.country_id = co.country_id
    join marts.int_address as a on a.city_id = ci.city_id
    join marts.int_customer as c on c.address_id = a.address_id
    where co._cdc_loaded_at > :loaded_from and co._cdc_loaded_at <= :loaded_through
    group by c.customer_id
),

affected as (
    select customer_id, max(changed_at) as changed_at
    from (
        select * from window_customer
        union all select * from window_address
        union all select * from window_city
        union all select * from window_country
    ) as changes
    group by customer_id
),

attributes as (
    select affected.customer_id,
           affected.changed_at,
           c.customer_id is null as is_deleted,
           c.first_name,
           c.last_name,
           c.email,
           c.activebool as is_active,
           c.active,
           c.create_date,
           c.store_id,
           a.address,
           a.address2,
           a.district,
           a.postal_code,
           a.phone,
           ci.city,
           co.country
    from affected
    left join marts.int_customer as c on c.customer_id = affected.customer_id
    left join marts.int_address as a on a.address_id = c.address_id
    left join marts.int_city as ci on ci.city_id = a.city_id
    left join marts.int_country as co on co.country_id = ci.country_id
),

hashed as (
    select *,
           case when is_deleted then 'deleted' else md5(concat_ws('|',
               coalesce(first_name, '<null>'), coalesce(last_name, '<null>'), coalesce(email, '<null>'),
               coalesce(cast(is_active as varchar), '<null>'), coalesce(cast(active as varchar), '<null>'),
               coalesce(cast(create_date as varchar), '<null>'), coalesce(cast(store_id as varchar), '<null>'),
               coalesce(address, '<null>'), coalesce(address2, '<null>'), coalesce(district, '<null>'),
               coalesce(postal_code, '<null>'), coalesce(phone, '<null>'), coalesce(city, '<null>'),
               coalesce(country, '<null>'))) end as row_hash
    from attributes
)

select hashed.*
from hashed
left join marts.dim_customer as current_version
    on current_version.customer_id = hashed.customer_id and current_version.is_current
where (current_version.customer_id is null and not hashed.is_deleted)
   or (current_version.customer_id is not null and current_version.row_hash <> hashed.row_hash);

-- Close the current version of every customer that changed or was deleted.
merge into marts.dim_customer as d
using dim_customer_changes as ch
on d.customer_id = ch.customer_id and d.is_current
when matched then update set valid_to = ch.changed_at, is_current = false, is_deleted = ch.is_deleted,
    loaded_at = :loaded_through;

-- Open the new versions.
insert into marts.dim_customer
select (select coalesce(max(customer_key), 0) from marts.dim_customer) + row_number() over (order by ch.customer_id),
       ch.customer_id, ch.first_name, ch.last_name, ch.email, ch.is_active, ch.active, ch.create_date, ch.store_id,
       ch.address, ch.address2, ch.district, ch.postal_code, ch.phone, ch.city, ch.country,
       case when exists (select 1 from marts.dim_customer as d where d.customer_id = ch.customer_id)
            then ch.changed_at else timestamptz '1900-01-01 00:00:00+00' end,
       timestamptz '9999-12-31 00:00:00+00',
       true,
       false,
       ch.row_hash,
       :loaded_through
from dim_customer_changes as ch
where not ch.is_deleted;
