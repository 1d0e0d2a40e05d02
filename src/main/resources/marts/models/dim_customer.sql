-- dim_customer: customers with where they live and which store they belong to, with history (SCD type 2).
-- grain: one row per version of a customer; a new version when a tracked attribute changes, also through
--        the customer's address, city or country
-- key: customer_key (surrogate); natural id customer_id; valid_from, valid_to, is_current, is_deleted
-- materialized: scd2
-- natural_id: customer_id
-- surrogate_key: customer_key
-- The SELECT names the customers that changed in the window, directly or through where they live, with
-- their attributes now; the scd2 materialization (marts/materializations.sql) keeps the versions. The first
-- version is valid from 1900-01-01 so that facts older than the pipeline find it; a deleted customer's
-- current version is closed and marked deleted.

with affected as (
    select customer_id, max(changed_at) as changed_at
    from (
        select customer_id, _cdc_source_ts as changed_at
        from staging.customer
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select c.customer_id, l.changed_at
        from marts.int_location as l
        join marts.cur_customer as c on c.address_id = l.address_id
        where l.loaded_at > :loaded_from and l.loaded_at <= :loaded_through
    ) as changes
    group by customer_id
)

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
       l.address,
       l.address2,
       l.district,
       l.postal_code,
       l.phone,
       l.city,
       l.country
from affected
left join marts.cur_customer as c on c.customer_id = affected.customer_id
left join marts.int_location as l on l.address_id = c.address_id
