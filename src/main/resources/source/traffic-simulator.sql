-- Statements of the traffic simulator: the everyday business of a DVD rental shop, written against the
-- source database so that change data capture has inserts, updates and deletes to carry.
-- Random rows are picked by id ("the first eligible row at or after a random id") so that a pick stays an
-- index lookup at any scale.

-- name: max-ids
select (select max(inventory_id) from public.inventory),
       (select max(customer_id) from public.customer),
       (select max(rental_id) from public.rental),
       (select max(payment_id) from public.payment),
       (select max(film_id) from public.film),
       (select max(city_id) from public.city);

-- name: pick-available-copy
select i.inventory_id, i.store_id
from public.inventory i
where i.inventory_id >= ?
  and not exists (select 1 from public.rental r where r.inventory_id = i.inventory_id and r.return_date is null)
order by i.inventory_id
limit 1;

-- name: pick-active-customer
select customer_id from public.customer where customer_id >= ? and activebool order by customer_id limit 1;

-- name: rent
insert into public.rental (rental_date, inventory_id, customer_id, staff_id)
select localtimestamp, ?, ?, s.manager_staff_id from public.store s where s.store_id = ?;

-- name: pick-open-rental
select rental_id from public.rental where return_date is null and rental_id >= ? order by rental_id limit 1;

-- name: return
update public.rental set return_date = localtimestamp where rental_id = ? and return_date is null;

-- The rate of the film plus a late fee of 1.00 a day past its rental duration, at most 7 days' worth.
-- name: pay-for-return
insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date)
select r.customer_id, r.staff_id, r.rental_id,
       f.rental_rate + least(7, greatest(0, extract(day from r.return_date - r.rental_date)::integer - f.rental_duration)),
       localtimestamp
from public.rental r
join public.inventory i on i.inventory_id = r.inventory_id
join public.film f on f.film_id = i.film_id
where r.rental_id = ?;

-- name: change-customer-email
update public.customer
set email = lower(first_name || '.' || last_name || ?) || '@sakilacustomer.org'
where customer_id = ?;

-- A move changes the customer's address row (and so its city), not the customer row itself.
-- name: move-customer
update public.address
set address = ?, city_id = ?
where address_id = (select address_id from public.customer where customer_id = ?);

-- name: reprice-film
update public.film set rental_rate = ? where film_id = ?;

-- name: new-address
insert into public.address (address, address2, district, city_id, postal_code, phone)
values (?, '', ?, ?, ?, ?);

-- name: new-customer
insert into public.customer (store_id, first_name, last_name, email, address_id, active)
values (?, ?, ?, ?, currval('public.address_address_id_seq'), 1);

-- name: refund-payment
delete from public.payment
where payment_id = (select payment_id from public.payment where payment_id >= ? order by payment_id limit 1);

-- A booking cancelled before it was paid.
-- name: cancel-rental
delete from public.rental
where rental_id = (
    select r.rental_id
    from public.rental r
    where r.rental_id >= ?
      and not exists (select 1 from public.payment p where p.rental_id = r.rental_id)
    order by r.rental_id
    limit 1);
