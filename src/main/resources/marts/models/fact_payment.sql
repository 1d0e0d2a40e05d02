-- fact_payment: every payment with the dimension versions valid when it was made.
-- grain: one row per payment
-- key: payment_id
-- materialized: incremental
-- A deleted payment leaves the fact.
-- The table takes its column types from this SELECT: the cast keeps the date key integer (as dim_date.date_key).

with affected as (
    select distinct payment_id
    from staging.payment
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
)

select affected.payment_id,
       p.payment_id is null as is_deleted,
       p.rental_id,
       c.customer_key,
       sf.staff_key,
       cast(year(p.payment_date) * 10000 + month(p.payment_date) * 100 + day(p.payment_date) as integer) as payment_date_key,
       p.payment_date,
       p.amount
from affected
left join marts.cur_payment as p on p.payment_id = affected.payment_id
left join marts.dim_customer as c
    on c.customer_id = p.customer_id and c.valid_from <= p.payment_date and p.payment_date < c.valid_to
left join marts.dim_staff as sf
    on sf.staff_id = p.staff_id and sf.valid_from <= p.payment_date and p.payment_date < sf.valid_to;
