-- dim_film: films with their language and categories, with history (SCD type 2).
-- grain: one row per version of a film; a new version when a tracked attribute changes, also through its
--        language or its categories
-- key: film_key (surrogate); natural id film_id; valid_from, valid_to, is_current, is_deleted
-- materialized: scd2
-- natural_id: film_id
-- surrogate_key: film_key
-- untracked: description
-- The description is not tracked (it is long and changes nothing a report groups by) but always shows its
-- latest value in the current version. Categories are listed in name order, joined by ', '.

with affected as (
    select film_id, max(changed_at) as changed_at
    from (
        select film_id, _cdc_source_ts as changed_at
        from staging.film
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select f.film_id, l._cdc_source_ts
        from staging.language as l
        join marts.cur_film as f on f.language_id = l.language_id
        where l._cdc_loaded_at > :loaded_from and l._cdc_loaded_at <= :loaded_through
        union all
        select film_id, _cdc_source_ts
        from staging.film_category
        where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
        union all
        select fc.film_id, c._cdc_source_ts
        from staging.category as c
        join marts.cur_film_category as fc on fc.category_id = c.category_id
        where c._cdc_loaded_at > :loaded_from and c._cdc_loaded_at <= :loaded_through
    ) as changes
    group by film_id
),

film_categories as (
    select fc.film_id, {{ string_agg_ordered(c.name, ', ') }} as categories
    from marts.cur_film_category as fc
    join marts.cur_category as c on c.category_id = fc.category_id
    where fc.film_id in (select film_id from affected)
    group by fc.film_id
)

select affected.film_id,
       affected.changed_at,
       f.film_id is null as is_deleted,
       f.title,
       f.description,
       f.release_year,
       trim(l.name) as language,
       fc.categories,
       f.rental_duration,
       f.rental_rate,
       f.length,
       f.replacement_cost,
       f.rating,
       f.special_features
from affected
left join marts.cur_film as f on f.film_id = affected.film_id
left join marts.cur_language as l on l.language_id = f.language_id
left join film_categories as fc on fc.film_id = affected.film_id
