-- fact_rental: every rental with the dimension versions valid when it happened.
-- grain: one row per rental
-- key: rental_id
-- materialized: incremental
-- Affected rentals: those int_rental_activity touched since this model's watermark (changed directly, through
-- their payments or their inventory item). A deleted rental leaves the fact. Dimension keys are those of the
-- versions valid at the rental date, so later dimension changes never rewrite history.
-- The table takes its column types from this SELECT: the casts keep date keys integer (as dim_date.date_key)
-- and days_rented integer.

select ra.rental_id,
       ra.is_deleted,
       c.customer_key,
       f.film_key,
       st.store_key,
       sf.staff_key,
       cast(year(r.rental_date) * 10000 + month(r.rental_date) * 100 + day(r.rental_date) as integer) as rental_date_key,
       cast(year(r.return_date) * 10000 + month(r.return_date) * 100 + day(r.return_date) as integer) as return_date_key,
       r.rental_date,
       r.return_date,
       cast({{ days_between(r.rental_date, r.return_date) }} as integer) as days_rented,
       r.return_date is not null as is_returned,
       coalesce({{ days_between(r.rental_date, r.return_date) }} > f.rental_duration, false) as is_late,
       ra.amount_paid,
       ra.payment_count
from marts.int_rental_activity as ra
left join marts.cur_rental as r on r.rental_id = ra.rental_id
left join marts.cur_inventory as i on i.inventory_id = r.inventory_id
left join marts.dim_customer as c
    on c.customer_id = r.customer_id and c.valid_from <= r.rental_date and r.rental_date < c.valid_to
left join marts.dim_film as f
    on f.film_id = i.film_id and f.valid_from <= r.rental_date and r.rental_date < f.valid_to
left join marts.dim_store as st
    on st.store_id = i.store_id and st.valid_from <= r.rental_date and r.rental_date < st.valid_to
left join marts.dim_staff as sf
    on sf.staff_id = r.staff_id and sf.valid_from <= r.rental_date and r.rental_date < sf.valid_to
where ra.loaded_at > :loaded_from and ra.loaded_at <= :loaded_through;
