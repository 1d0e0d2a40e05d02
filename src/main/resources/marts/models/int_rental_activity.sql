-- int_rental_activity: which rentals changed in a run, directly or through their payments or inventory
-- item, with their payment totals: what fact_rental and obt_rental both start from.
-- grain: one row per rental ever staged; a deleted rental stays as a row marked is_deleted
-- key: rental_id
-- materialized: incremental
-- deleted: keep
-- loaded_at is the staging load time of the run that last touched the rental, so that each reader picks the
-- rentals touched since its own watermark; a deleted rental keeps its row (is_deleted) so that readers that
-- have not run since still learn of the delete.
-- The table takes its column types from this SELECT: the casts keep the totals decimal(9,2) and integer.

with affected as (
    select rental_id
    from staging.rental
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    union
    -- Every rental a changed payment belongs or belonged to: a delete row carries only the payment's key,
    -- and an update may move a payment to another rental.
    select earlier.rental_id
    from staging.payment as changed
    join staging.payment as earlier on earlier.payment_id = changed.payment_id
    where changed._cdc_loaded_at > :loaded_from and changed._cdc_loaded_at <= :loaded_through
      and earlier.rental_id is not null
    union
    select r.rental_id
    from staging.inventory as i
    join marts.cur_rental as r on r.inventory_id = i.inventory_id
    where i._cdc_loaded_at > :loaded_from and i._cdc_loaded_at <= :loaded_through
),

payments as (
    select rental_id, sum(amount) as amount_paid, count(*) as payment_count
    from marts.cur_payment
    where rental_id in (select rental_id from affected)
    group by rental_id
)

select affected.rental_id,
       r.rental_id is null as is_deleted,
       cast(coalesce(p.amount_paid, 0) as decimal(9,2)) as amount_paid,
       cast(coalesce(p.payment_count, 0) as integer) as payment_count
from affected
left join marts.cur_rental as r on r.rental_id = affected.rental_id
left join payments as p on p.rental_id = affected.rental_id;
