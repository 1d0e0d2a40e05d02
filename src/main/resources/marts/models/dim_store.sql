-- dim_store: the shops with their address and manager, SCD type 2.
-- grain: one row per version of a store; a new version when a tracked attribute changes, also through its
--        address, city, country or its manager's name
-- key: store_key (surrogate); natural id store_id; valid_from, valid_to, is_current, is_deleted
-- materialized: scd2
-- natural_id: store_id
-- surrogate_key: store_key

with affected as (
    select store_id, max(changed_at) as changed_at
    from (
        select store_id, _cdc_source_ts as changed_at
        from staging.store
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select st.store_id, s._cdc_source_ts
        from staging.staff as s
        join marts.cur_store as st on st.manager_staff_id = s.staff_id
        where s._cdc_loaded_at > :loaded_from and s._cdc_loaded_at <= :loaded_through
        union all
        select st.store_id, l.changed_at
        from marts.int_location as l
        join marts.cur_store as st on st.address_id = l.address_id
        where l.loaded_at > :loaded_from and l.loaded_at <= :loaded_through
    ) as changes
    group by store_id
)

select affected.store_id,
       affected.changed_at,
       st.store_id is null as is_deleted,
       st.manager_staff_id,
       m.first_name || ' ' || m.last_name as manager_name,
       l.address,
       l.district,
       l.city,
       l.country
from affected
left join marts.cur_store as st on st.store_id = affected.store_id
left join marts.cur_staff as m on m.staff_id = st.manager_staff_id
left join marts.int_location as l on l.address_id = st.address_id
