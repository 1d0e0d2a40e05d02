-- obt_rental: the one big table behind the dashboard: every rental with the current attributes of its
-- customer, film, store and staff member and its payment totals.
-- grain: one row per rental
-- key: rental_id
-- materialized: incremental
-- Current attributes, not historical ones: a film renamed shows its new title on every rental of it. So the
-- affected rentals are those int_rental_activity touched (changed directly, through their payments or
-- inventory item), and every rental of a customer, film, store or staff member whose current version was
-- written since this model's watermark.

with affected as (
    select rental_id
    from marts.int_rental_activity
    where loaded_at > :loaded_from and loaded_at <= :loaded_through
    union
    select r.rental_id
    from marts.dim_customer as c
    join marts.cur_rental as r on r.customer_id = c.customer_id
    where c.loaded_at > :loaded_from and c.loaded_at <= :loaded_through
    union
    select r.rental_id
    from marts.dim_film as f
    join marts.cur_inventory as i on i.film_id = f.film_id
    join marts.cur_rental as r on r.inventory_id = i.inventory_id
    where f.loaded_at > :loaded_from and f.loaded_at <= :loaded_through
    union
    select r.rental_id
    from marts.dim_store as st
    join marts.cur_inventory as i on i.store_id = st.store_id
    join marts.cur_rental as r on r.inventory_id = i.inventory_id
    where st.loaded_at > :loaded_from and st.loaded_at <= :loaded_through
    union
    select r.rental_id
    from marts.dim_staff as sf
    join marts.cur_rental as r on r.staff_id = sf.staff_id
    where sf.loaded_at > :loaded_from and sf.loaded_at <= :loaded_through
)

select affected.rental_id,
       r.rental_id is null as is_deleted,
       r.rental_date,
       r.return_date,
       cast({{ days_between(r.rental_date, r.return_date) }} as integer) as days_rented,
       r.return_date is not null as is_returned,
       coalesce({{ days_between(r.rental_date, r.return_date) }} > f.rental_duration, false) as is_late,
       r.customer_id,
       c.first_name || ' ' || c.last_name as customer_name,
       c.email as customer_email,
       c.city as customer_city,
       c.country as customer_country,
       i.film_id,
       f.title as film_title,
       f.rating as film_rating,
       f.categories as film_categories,
       f.language as film_language,
       f.rental_rate as film_rental_rate,
       i.store_id,
       st.city as store_city,
       st.country as store_country,
       r.staff_id,
       sf.full_name as staff_name,
       ra.amount_paid,
       ra.payment_count
from affected
left join marts.cur_rental as r on r.rental_id = affected.rental_id
left join marts.cur_inventory as i on i.inventory_id = r.inventory_id
left join marts.dim_customer as c on c.customer_id = r.customer_id and c.is_current
left join marts.dim_film as f on f.film_id = i.film_id and f.is_current
left join marts.dim_store as st on st.store_id = i.store_id and st.is_current
left join marts.dim_staff as sf on sf.staff_id = r.staff_id and sf.is_current
-- Only the affected rentals' activity: joined whole, the warehouse built a hash table of every rental's
-- activity for a one-change cycle (DuckDB: 20-30 ms instead of about 10 for the select at scale 10).
left join (
    select *
    from marts.int_rental_activity
    where rental_id in (select rental_id from affected)
) as ra on ra.rental_id = affected.rental_id;
