-- obt_rental: the one big table behind the dashboard: every rental with the current attributes of its
-- customer, film, store and staff member and its payment totals.
-- grain: one row per rental
-- key: rental_id
-- inputs: int_rental_activity, int_rental, int_inventory, dim_customer, dim_film, dim_store, dim_staff
-- Current attributes, not historical ones: a film renamed shows its new title on every rental of it. So the
-- affected rentals are those int_rental_activity touched (changed directly, through their payments or
-- inventory item), and every rental of a customer, film, store or staff member whose current version was
-- written since this model's watermark.

create table if not exists marts.obt_rental (
    rental_id integer primary key,
    rental_date timestamp,
    return_date timestamp,
    days_rented integer,
    is_returned boolean,
    is_late boolean,
    customer_id integer,
    customer_name varchar,
    customer_email varchar,
    customer_city varchar,
    customer_country varchar,
    film_id integer,
    film_title varchar,
    film_rating varchar,
    film_categories varchar,
    film_language varchar,
    film_rental_rate decimal(5,2),
    store_id integer,
    store_city varchar,
    store_country varchar,
    staff_id integer,
    staff_name varchar,
    amount_paid decimal(9,2),
    payment_count integer,
    loaded_at timestamptz not null
);

merge into marts.obt_rental as t
using (
    with affected as (
        select rental_id
        from marts.int_rental_activity
        where loaded_at > :loaded_from and loaded_at <= :loaded_through
        union
        select r.rental_id
        from marts.dim_customer as c
        join marts.int_rental as r on r.customer_id = c.customer_id
        where c.loaded_at > :loaded_from and c.loaded_at <= :loaded_through
        union
        select r.rental_id
        from marts.dim_film as f
        join marts.int_inventory as i on i.film_id = f.film_id
        join marts.int_rental as r on r.inventory_id = i.inventory_id
        where f.loaded_at > :loaded_from and f.loaded_at <= :loaded_through
        union
        select r.rental_id
        from marts.dim_store as st
        join marts.int_inventory as i on i.store_id = st.store_id
        join marts.int_rental as r on r.inventory_id = i.inventory_id
        where st.loaded_at > :loaded_from and st.loaded_at <= :loaded_through
        union
        select r.rental_id
        from marts.dim_staff as sf
        join marts.int_rental as r on r.staff_id = sf.staff_id
        where sf.loaded_at > :loaded_from and sf.loaded_at <= :loaded_through
    )

    select affected.rental_id,
           r.rental_id is null as is_deleted,
           r.rental_date,
           r.return_date,
           {{ days_between(r.rental_date, r.return_date) }} as days_rented,
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
    left join marts.int_rental as r on r.rental_id = affected.rental_id
    left join marts.int_inventory as i on i.inventory_id = r.inventory_id
    left join marts.dim_customer as c on c.customer_id = r.customer_id and c.is_current
    left join marts.dim_film as f on f.film_id = i.film_id and f.is_current
    left join marts.dim_store as st on st.store_id = i.store_id and st.is_current
    left join marts.dim_staff as sf on sf.staff_id = r.staff_id and sf.is_current
    left join marts.int_rental_activity as ra on ra.rental_id = affected.rental_id
) as s
on t.rental_id = s.rental_id
when matched and s.is_deleted then delete
when matched then update set
    rental_date = s.rental_date, return_date = s.return_date, days_rented = s.days_rented,
    is_returned = s.is_returned, is_late = s.is_late, customer_id = s.customer_id,
    customer_name = s.customer_name, customer_email = s.customer_email, customer_city = s.customer_city,
    customer_country = s.customer_country, film_id = s.film_id, film_title = s.film_title,
    film_rating = s.film_rating, film_categories = s.film_categories, film_language = s.film_language,
    film_rental_rate = s.film_rental_rate, store_id = s.store_id, store_city = s.store_city,
    store_country = s.store_country, staff_id = s.staff_id, staff_name = s.staff_name,
    amount_paid = s.amount_paid, payment_count = s.payment_count, loaded_at = :loaded_through
when not matched and not s.is_deleted then insert values (
    s.rental_id, s.rental_date, s.return_date, s.days_rented, s.is_returned, s.is_late, s.customer_id,
    s.customer_name, s.customer_email, s.customer_city, s.customer_country, s.film_id, s.film_title,
    s.film_rating, s.film_categories, s.film_language, s.film_rental_rate, s.store_id, s.store_city,
    s.store_country, s.staff_id, s.staff_name, s.amount_paid, s.payment_count, :loaded_through);
