-- dim_film: films with their language and categories, with history (SCD type 2).
-- grain: one row per version of a film; a new version when a tracked attribute changes, also through its
--        language or its categories
-- key: film_key (surrogate); natural id film_id; valid_from, valid_to, is_current, is_deleted
-- inputs: int_film, int_language, int_film_category, int_category
-- The first version of a film is valid from 1900-01-01 so that facts older than the pipeline find it.
-- A deleted film's current version is closed and marked deleted. The description is not tracked (it is
-- long and changes nothing a report groups by) but always shows its latest value in the current version.

create table if not exists marts.dim_film (
    film_key bigint primary key,
    film_id integer not null,
    title varchar,
    description varchar,
    release_year integer,
    language varchar,
    categories varchar,
    rental_duration smallint,
    rental_rate decimal(5,2),
    length smallint,
    replacement_cost decimal(7,2),
    rating varchar,
    special_features json,
    valid_from timestamptz not null,
    valid_to timestamptz not null,
    is_current boolean not null,
    is_deleted boolean not null,
    row_hash varchar not null,
    -- The staging load time up to which the run that wrote this version had read: lets later models find
    -- the versions written since their own watermark.
    loaded_at timestamptz not null
);

create or replace temporary table dim_film_changes as
with window_film as (
    select film_id, max(_cdc_source_ts) as changed_at
    from staging.film
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    group by film_id
),

window_language as (
    select f.film_id, max(l._cdc_source_ts) as changed_at
    from staging.language as l
    join marts.int_film as f on f.language_id = l.language_id
    where l._cdc_loaded_at > :loaded_from and l._cdc_loaded_at <= :loaded_through
    group by f.film_id
),

window_film_category as (
    select film_id, max(_cdc_source_ts) as changed_at
    from staging.film_category
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    group by film_id
),

window_category as (
    select fc.film_id, max(c._cdc_source_ts) as changed_at
    from staging.category as c
    join marts.int_film_category as fc on fc.category_id = c.category_id
    where c._cdc_loaded_at > :loaded_from and c._cdc_loaded_at <= :loaded_through
    group by fc.film_id
),

affected as (
    select film_id, max(changed_at) as changed_at
    from (
        select * from window_film
        union all select * from window_language
        union all select * from window_film_category
        union all select * from window_category
    ) as changes
    group by film_id
),

film_categories as (
    select fc.film_id, string_agg(c.name, ', ' order by c.name) as categories
    from marts.int_film_category as fc
    join marts.int_category as c on c.category_id = fc.category_id
    where fc.film_id in (select film_id from affected)
    group by fc.film_id
),

attributes as (
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
    left join marts.int_film as f on f.film_id = affected.film_id
    left join marts.int_language as l on l.language_id = f.language_id
    left join film_categories as fc on fc.film_id = affected.film_id
),

hashed as (
    select *,
           case when is_deleted then 'deleted' else md5(concat_ws('|',
               coalesce(title, '<null>'), coalesce(cast(release_year as varchar), '<null>'),
               coalesce(language, '<null>'), coalesce(categories, '<null>'),
               coalesce(cast(rental_duration as varchar), '<null>'), coalesce(cast(rental_rate as varchar), '<null>'),
               coalesce(cast(length as varchar), '<null>'), coalesce(cast(replacement_cost as varchar), '<null>'),
               coalesce(rating, '<null>'), coalesce(cast(special_features as varchar), '<null>'))) end as row_hash
    from attributes
)

select hashed.*, current_version.film_id is not null and current_version.row_hash = hashed.row_hash as is_same_version
from hashed
left join marts.dim_film as current_version
    on current_version.film_id = hashed.film_id and current_version.is_current
where not (current_version.film_id is null and hashed.is_deleted);

-- Untracked attributes follow the current version in place.
merge into marts.dim_film as d
using (select * from dim_film_changes where is_same_version) as ch
on d.film_id = ch.film_id and d.is_current
when matched then update set description = ch.description, loaded_at = :loaded_through;

-- Close the current version of every film that changed or was deleted.
merge into marts.dim_film as d
using (select * from dim_film_changes where not is_same_version) as ch
on d.film_id = ch.film_id and d.is_current
when matched then update set valid_to = ch.changed_at, is_current = false, is_deleted = ch.is_deleted,
    loaded_at = :loaded_through;

-- Open the new versions.
insert into marts.dim_film
select (select coalesce(max(film_key), 0) from marts.dim_film) + row_number() over (order by ch.film_id),
       ch.film_id, ch.title, ch.description, ch.release_year, ch.language, ch.categories, ch.rental_duration,
       ch.rental_rate, ch.length, ch.replacement_cost, ch.rating, ch.special_features,
       case when exists (select 1 from marts.dim_film as d where d.film_id = ch.film_id)
            then ch.changed_at else timestamptz '1900-01-01 00:00:00+00' end,
       timestamptz '9999-12-31 00:00:00+00',
       true,
       false,
       ch.row_hash,
       :loaded_through
from dim_film_changes as ch
where not ch.is_deleted and not ch.is_same_version;
