-- dim_date: the calendar, one row per day from the first to the last rental, return or payment date.
-- grain: one row per calendar day
-- key: date_key (yyyymmdd)
-- DuckDB's own file: generating a series of days is not portable (Snowflake uses GENERATOR).
-- Days are only ever added: a calendar day does not change. So a run looks only at the rentals and payments
-- loaded in its window, beside the calendar's own first and last day (it stays one unbroken span), instead of
-- every date there is: a cycle after one change costs a lookup, not two full scans.

create table if not exists marts.dim_date (
    date_key integer primary key,
    full_date date not null,
    year smallint not null,
    quarter smallint not null,
    month smallint not null,
    month_name varchar not null,
    day_of_month smallint not null,
    day_of_week smallint not null,
    day_name varchar not null,
    week_of_year smallint not null,
    is_weekend boolean not null
);

insert into marts.dim_date
with bounds as (
    select min(least(rental_date, coalesce(return_date, rental_date)))::date as first_day,
           max(greatest(rental_date, coalesce(return_date, rental_date)))::date as last_day
    from marts.cur_rental
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    union all
    select min(payment_date)::date, max(payment_date)::date
    from marts.cur_payment
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    union all
    select min(full_date), max(full_date)
    from marts.dim_date
),

span as (
    select min(first_day) as first_day, max(last_day) as last_day
    from bounds
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as full_date
    from span
    where first_day is not null
)

select cast(strftime(full_date, '%Y%m%d') as integer) as date_key,
       full_date,
       year(full_date) as year,
       quarter(full_date) as quarter,
       month(full_date) as month,
       monthname(full_date) as month_name,
       day(full_date) as day_of_month,
       isodow(full_date) as day_of_week,
       dayname(full_date) as day_name,
       weekofyear(full_date) as week_of_year,
       isodow(full_date) >= 6 as is_weekend
from days
where not exists (select 1 from marts.dim_date existing where existing.full_date = days.full_date);
