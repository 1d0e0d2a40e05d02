-- dim_date: the calendar, one row per day from the first to the last rental, return or payment date.
-- grain: one row per calendar day
-- key: date_key (yyyymmdd)
-- Snowflake's own file: a series of days comes from GENERATOR (marts/duckdb/dim_date.sql: generate_series).
-- Month and day names in full, as DuckDB writes them (Snowflake's MONTHNAME and DAYNAME abbreviate).
-- Days are only ever added: a calendar day does not change. So a run looks only at the rentals and payments
-- loaded in its window, beside the calendar's own first and last day (it stays one unbroken span).

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
    select cast(min(least(rental_date, coalesce(return_date, rental_date))) as date) as first_day,
           cast(max(greatest(rental_date, coalesce(return_date, rental_date))) as date) as last_day
    from marts.cur_rental
    where _cdc_loaded_at > :loaded_from and _cdc_loaded_at <= :loaded_through
    union all
    select cast(min(payment_date) as date), cast(max(payment_date) as date)
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

-- GENERATOR needs a constant row count: 100 years of days, cut to the span.
offsets as (
    select row_number() over (order by seq4()) - 1 as day_offset
    from table(generator(rowcount => 36525))
),

days as (
    select dateadd(day, offsets.day_offset, span.first_day) as full_date
    from span
    join offsets on offsets.day_offset <= datediff(day, span.first_day, span.last_day)
    where span.first_day is not null
)

select cast(to_char(full_date, 'YYYYMMDD') as integer) as date_key,
       full_date,
       year(full_date) as year,
       quarter(full_date) as quarter,
       month(full_date) as month,
       to_char(full_date, 'MMMM') as month_name,
       day(full_date) as day_of_month,
       dayofweekiso(full_date) as day_of_week,
       case dayofweekiso(full_date) when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
            when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday' end as day_name,
       weekiso(full_date) as week_of_year,
       dayofweekiso(full_date) >= 6 as is_weekend
from days
where not exists (select 1 from marts.dim_date existing where existing.full_date = days.full_date);
