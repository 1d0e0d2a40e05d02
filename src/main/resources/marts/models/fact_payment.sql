-- fact_payment: every payment with the dimension versions valid when it was made.
-- grain: one row per payment
-- key: payment_id
-- inputs: int_payment, dim_customer, dim_staff, dim_date
-- A deleted payment leaves the fact.

create table if not exists marts.fact_payment (
    payment_id integer primary key,
    rental_id integer,
    customer_key bigint,
    staff_key bigint,
    payment_date_key integer,
    payment_date timestamp,
    amount decimal(9,2),
    loaded_at timestamptz not null
);

merge into marts.fact_payment as t
using (
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
           year(p.payment_date) * 10000 + month(p.payment_date) * 100 + day(p.payment_date) as payment_date_key,
           p.payment_date,
           p.amount
    from affected
    left join marts.int_payment as p on p.payment_id = affected.payment_id
    left join marts.dim_customer as c
        on c.customer_id = p.customer_id and c.valid_from <= p.payment_date and p.payment_date < c.valid_to
    left join marts.dim_staff as sf
        on sf.staff_id = p.staff_id and sf.valid_from <= p.payment_date and p.payment_date < sf.valid_to
) as s
on t.payment_id = s.payment_id
when matched and s.is_deleted then delete
when matched then update set
    rental_id = s.rental_id, customer_key = s.customer_key, staff_key = s.staff_key,
    payment_date_key = s.payment_date_key, payment_date = s.payment_date, amount = s.amount,
    loaded_at = :loaded_through
when not matched and not s.is_deleted then insert values (
    s.payment_id, s.rental_id, s.customer_key, s.staff_key, s.payment_date_key, s.payment_date, s.amount,
    :loaded_through);
