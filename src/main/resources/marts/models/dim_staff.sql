-- dim_staff: the people behind the counters, with where they live (never their password), SCD type 2.
-- grain: one row per version of a staff member; a new version when a tracked attribute changes, also
--        through the staff member's address, city or country
-- key: staff_key (surrogate); natural id staff_id; valid_from, valid_to, is_current, is_deleted
-- materialized: scd2
-- natural_id: staff_id
-- surrogate_key: staff_key
-- The password is excluded from capture (pipeline.source.column-exclude-list) and the picture is left out.

with affected as (
    select staff_id, max(changed_at) as changed_at
    from (
        select staff_id, _cdc_source_ts as changed_at
        from staging.staff
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select s.staff_id, l.changed_at
        from marts.int_location as l
        join marts.cur_staff as s on s.address_id = l.address_id
        where l.loaded_at > :loaded_from and l.loaded_at <= :loaded_through
    ) as changes
    group by staff_id
)

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
       l.address,
       l.city,
       l.country
from affected
left join marts.cur_staff as s on s.staff_id = affected.staff_id
left join marts.int_location as l on l.address_id = s.address_id
