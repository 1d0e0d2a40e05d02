-- The dashboard's figures, all from the one big table (marts.obt_rental), which DuckDB and Snowflake both
-- run as written. Every statement takes the same filter, bound in this order: the first day of the range,
-- the day after its last (rental dates from, up to but not including), and the store (NULL: every store).
-- Revenue is what was paid for the rentals in the range (payments follow their rental's date).

-- name: headline
select coalesce(sum(amount_paid), 0) as revenue,
       count(*) as rentals,
       count(distinct customer_id) as active_customers,
       avg(case when is_returned then days_rented end) as average_rental_days,
       sum(case when is_late then 1 else 0 end) as late_returns,
       sum(case when is_returned then 1 else 0 end) as returns
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?);

-- name: revenue-by-month
select cast(date_trunc('month', rental_date) as date) as month, coalesce(sum(amount_paid), 0) as revenue,
       count(*) as rentals
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by 1
order by 1;

-- name: rentals-by-category
select coalesce(film_categories, '(none)') as category, count(*) as rentals, coalesce(sum(amount_paid), 0) as revenue
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by 1
order by 2 desc, 1;

-- name: top-films
select film_title as title, count(*) as rentals, coalesce(sum(amount_paid), 0) as revenue
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by film_title
order by 2 desc, 1
limit 10;

-- name: revenue-by-store
select store_id, max(store_city) || ', ' || max(store_country) as store, coalesce(sum(amount_paid), 0) as revenue,
       count(*) as rentals
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by store_id
order by store_id;

-- name: revenue-by-country
select coalesce(customer_country, '(unknown)') as country, coalesce(sum(amount_paid), 0) as revenue,
       count(*) as rentals
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by 1
order by 2 desc, 1
limit 15;

-- name: late-returns-by-month
select cast(date_trunc('month', rental_date) as date) as month,
       sum(case when is_late then 1 else 0 end) as late,
       sum(case when is_returned and not is_late then 1 else 0 end) as on_time,
       sum(case when not is_returned then 1 else 0 end) as open
from marts.obt_rental
where rental_date >= ? and rental_date < ? and (cast(? as integer) is null or store_id = ?)
group by 1
order by 1;

-- The filter's choices: the stores, and the first and last rental day.
-- name: stores
select store_id, max(store_city) || ', ' || max(store_country) as store
from marts.obt_rental
group by store_id
order by store_id;

-- name: date-span
select cast(min(rental_date) as date) as first_day, cast(max(rental_date) as date) as last_day
from marts.obt_rental;
