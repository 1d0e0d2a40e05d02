-- int_location: every address with its city and country, the place that customers, staff and stores share.
-- grain: one row per address
-- key: address_id
-- materialized: incremental
-- changed_at is the newest source commit time among the changes to the address, its city or its country
-- in the run that wrote the row; loaded_at is that run's staging load time, so that the dimensions find the
-- places that changed since their own watermark. A change to a country reaches every address in it.

with affected as (
    select address_id, max(changed_at) as changed_at
    from (
        select address_id, _cdc_source_ts as changed_at
        from staging.address
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select a.address_id, ci._cdc_source_ts
        from staging.city as ci
        join marts.cur_address as a on a.city_id = ci.city_id
        where ci._cdc_loaded_at > :loaded_from and ci._cdc_loaded_at <= :loaded_through
        union all
        select a.address_id, co._cdc_source_ts
        from staging.country as co
        join marts.cur_city as ci on ci.country_id = co.country_id
        join marts.cur_address as a on a.city_id = ci.city_id
        where co._cdc_loaded_at > :loaded_from and co._cdc_loaded_at <= :loaded_through
    ) as changes
    group by address_id
)

select affected.address_id,
       affected.changed_at,
       a.address_id is null as is_deleted,
       a.address,
       a.address2,
       a.district,
       a.postal_code,
       a.phone,
       a.city_id,
       ci.city,
       ci.country_id,
       co.country
from affected
left join marts.cur_address as a on a.address_id = affected.address_id
left join marts.cur_city as ci on ci.city_id = a.city_id
left join marts.cur_country as co on co.country_id = ci.country_id;
