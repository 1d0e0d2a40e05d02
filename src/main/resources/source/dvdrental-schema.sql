-- The DVD Rental schema (the 15 tables of PostgreSQL's classic sample database), written to match
-- ../shared/datasets/dvdrental/dvdrental.tar column for column: types, defaults, keys, foreign keys with
-- their ON UPDATE / ON DELETE rules, indexes and triggers. Types that stress a CDC pipeline are kept on
-- purpose: the mpaa_rating enum, the year domain, text[], tsvector, bytea, numeric(p,s), char(20).
-- The sample's views and reporting functions are left out: the pipeline reads tables only.

create type public.mpaa_rating as enum ('G', 'PG', 'PG-13', 'R', 'NC-17');

create domain public.year as integer
    constraint year_check check (((value >= 1901) and (value <= 2155)));

-- Every table but film_actor, film_category and payment stamps last_update on each update.
create function public.last_updated() returns trigger
    language plpgsql
    as $$
begin
    new.last_update = current_timestamp;
    return new;
end $$;

create sequence public.actor_actor_id_seq;
create table public.actor (
    actor_id integer default nextval('public.actor_actor_id_seq'::regclass) not null,
    first_name character varying(45) not null,
    last_name character varying(45) not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.category_category_id_seq;
create table public.category (
    category_id integer default nextval('public.category_category_id_seq'::regclass) not null,
    name character varying(25) not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.country_country_id_seq;
create table public.country (
    country_id integer default nextval('public.country_country_id_seq'::regclass) not null,
    country character varying(50) not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.city_city_id_seq;
create table public.city (
    city_id integer default nextval('public.city_city_id_seq'::regclass) not null,
    city character varying(50) not null,
    country_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.address_address_id_seq;
create table public.address (
    address_id integer default nextval('public.address_address_id_seq'::regclass) not null,
    address character varying(50) not null,
    address2 character varying(50),
    district character varying(20) not null,
    city_id smallint not null,
    postal_code character varying(10),
    phone character varying(20) not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.language_language_id_seq;
create table public.language (
    language_id integer default nextval('public.language_language_id_seq'::regclass) not null,
    name character(20) not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.film_film_id_seq;
create table public.film (
    film_id integer default nextval('public.film_film_id_seq'::regclass) not null,
    title character varying(255) not null,
    description text,
    release_year public.year,
    language_id smallint not null,
    rental_duration smallint default 3 not null,
    rental_rate numeric(4,2) default 4.99 not null,
    length smallint,
    replacement_cost numeric(5,2) default 19.99 not null,
    rating public.mpaa_rating default 'G'::public.mpaa_rating,
    last_update timestamp without time zone default now() not null,
    special_features text[],
    fulltext tsvector not null
);

create table public.film_actor (
    actor_id smallint not null,
    film_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create table public.film_category (
    film_id smallint not null,
    category_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.staff_staff_id_seq;
create table public.staff (
    staff_id integer default nextval('public.staff_staff_id_seq'::regclass) not null,
    first_name character varying(45) not null,
    last_name character varying(45) not null,
    address_id smallint not null,
    email character varying(50),
    store_id smallint not null,
    active boolean default true not null,
    username character varying(16) not null,
    password character varying(40),
    last_update timestamp without time zone default now() not null,
    picture bytea
);

create sequence public.store_store_id_seq;
create table public.store (
    store_id integer default nextval('public.store_store_id_seq'::regclass) not null,
    manager_staff_id smallint not null,
    address_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.customer_customer_id_seq;
create table public.customer (
    customer_id integer default nextval('public.customer_customer_id_seq'::regclass) not null,
    store_id smallint not null,
    first_name character varying(45) not null,
    last_name character varying(45) not null,
    email character varying(50),
    address_id smallint not null,
    activebool boolean default true not null,
    create_date date default ('now'::text)::date not null,
    last_update timestamp without time zone default now(),
    active integer
);

create sequence public.inventory_inventory_id_seq;
create table public.inventory (
    inventory_id integer default nextval('public.inventory_inventory_id_seq'::regclass) not null,
    film_id smallint not null,
    store_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.rental_rental_id_seq;
create table public.rental (
    rental_id integer default nextval('public.rental_rental_id_seq'::regclass) not null,
    rental_date timestamp without time zone not null,
    inventory_id integer not null,
    customer_id smallint not null,
    return_date timestamp without time zone,
    staff_id smallint not null,
    last_update timestamp without time zone default now() not null
);

create sequence public.payment_payment_id_seq;
create table public.payment (
    payment_id integer default nextval('public.payment_payment_id_seq'::regclass) not null,
    customer_id smallint not null,
    staff_id smallint not null,
    rental_id integer not null,
    amount numeric(5,2) not null,
    payment_date timestamp without time zone not null
);

alter sequence public.actor_actor_id_seq owned by public.actor.actor_id;
alter sequence public.category_category_id_seq owned by public.category.category_id;
alter sequence public.country_country_id_seq owned by public.country.country_id;
alter sequence public.city_city_id_seq owned by public.city.city_id;
alter sequence public.address_address_id_seq owned by public.address.address_id;
alter sequence public.language_language_id_seq owned by public.language.language_id;
alter sequence public.film_film_id_seq owned by public.film.film_id;
alter sequence public.staff_staff_id_seq owned by public.staff.staff_id;
alter sequence public.store_store_id_seq owned by public.store.store_id;
alter sequence public.customer_customer_id_seq owned by public.customer.customer_id;
alter sequence public.inventory_inventory_id_seq owned by public.inventory.inventory_id;
alter sequence public.rental_rental_id_seq owned by public.rental.rental_id;
alter sequence public.payment_payment_id_seq owned by public.payment.payment_id;

alter table only public.actor add constraint actor_pkey primary key (actor_id);
alter table only public.address add constraint address_pkey primary key (address_id);
alter table only public.category add constraint category_pkey primary key (category_id);
alter table only public.city add constraint city_pkey primary key (city_id);
alter table only public.country add constraint country_pkey primary key (country_id);
alter table only public.customer add constraint customer_pkey primary key (customer_id);
alter table only public.film_actor add constraint film_actor_pkey primary key (actor_id, film_id);
alter table only public.film_category add constraint film_category_pkey primary key (film_id, category_id);
alter table only public.film add constraint film_pkey primary key (film_id);
alter table only public.inventory add constraint inventory_pkey primary key (inventory_id);
alter table only public.language add constraint language_pkey primary key (language_id);
alter table only public.payment add constraint payment_pkey primary key (payment_id);
alter table only public.rental add constraint rental_pkey primary key (rental_id);
alter table only public.staff add constraint staff_pkey primary key (staff_id);
alter table only public.store add constraint store_pkey primary key (store_id);

create index film_fulltext_idx on public.film using gist (fulltext);
create index idx_actor_last_name on public.actor using btree (last_name);
create index idx_fk_address_id on public.customer using btree (address_id);
create index idx_fk_city_id on public.address using btree (city_id);
create index idx_fk_country_id on public.city using btree (country_id);
create index idx_fk_customer_id on public.payment using btree (customer_id);
create index idx_fk_film_id on public.film_actor using btree (film_id);
create index idx_fk_inventory_id on public.rental using btree (inventory_id);
create index idx_fk_language_id on public.film using btree (language_id);
create index idx_fk_rental_id on public.payment using btree (rental_id);
create index idx_fk_staff_id on public.payment using btree (staff_id);
create index idx_fk_store_id on public.customer using btree (store_id);
create index idx_last_name on public.customer using btree (last_name);
create index idx_store_id_film_id on public.inventory using btree (store_id, film_id);
create index idx_title on public.film using btree (title);
create unique index idx_unq_manager_staff_id on public.store using btree (manager_staff_id);
create unique index idx_unq_rental_rental_date_inventory_id_customer_id
    on public.rental using btree (rental_date, inventory_id, customer_id);

-- fulltext is derived from title and description on every insert and update, as in the sample.
create trigger film_fulltext_trigger before insert or update on public.film
    for each row execute procedure tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title', 'description');

create trigger last_updated before update on public.actor for each row execute procedure public.last_updated();
create trigger last_updated before update on public.address for each row execute procedure public.last_updated();
create trigger last_updated before update on public.category for each row execute procedure public.last_updated();
create trigger last_updated before update on public.city for each row execute procedure public.last_updated();
create trigger last_updated before update on public.country for each row execute procedure public.last_updated();
create trigger last_updated before update on public.customer for each row execute procedure public.last_updated();
create trigger last_updated before update on public.film for each row execute procedure public.last_updated();
create trigger last_updated before update on public.film_actor for each row execute procedure public.last_updated();
create trigger last_updated before update on public.film_category for each row execute procedure public.last_updated();
create trigger last_updated before update on public.inventory for each row execute procedure public.last_updated();
create trigger last_updated before update on public.language for each row execute procedure public.last_updated();
create trigger last_updated before update on public.rental for each row execute procedure public.last_updated();
create trigger last_updated before update on public.staff for each row execute procedure public.last_updated();
create trigger last_updated before update on public.store for each row execute procedure public.last_updated();

alter table only public.customer add constraint customer_address_id_fkey
    foreign key (address_id) references public.address(address_id) on update cascade on delete restrict;
alter table only public.film_actor add constraint film_actor_actor_id_fkey
    foreign key (actor_id) references public.actor(actor_id) on update cascade on delete restrict;
alter table only public.film_actor add constraint film_actor_film_id_fkey
    foreign key (film_id) references public.film(film_id) on update cascade on delete restrict;
alter table only public.film_category add constraint film_category_category_id_fkey
    foreign key (category_id) references public.category(category_id) on update cascade on delete restrict;
alter table only public.film_category add constraint film_category_film_id_fkey
    foreign key (film_id) references public.film(film_id) on update cascade on delete restrict;
alter table only public.film add constraint film_language_id_fkey
    foreign key (language_id) references public.language(language_id) on update cascade on delete restrict;
alter table only public.address add constraint fk_address_city
    foreign key (city_id) references public.city(city_id);
alter table only public.city add constraint fk_city
    foreign key (country_id) references public.country(country_id);
alter table only public.inventory add constraint inventory_film_id_fkey
    foreign key (film_id) references public.film(film_id) on update cascade on delete restrict;
alter table only public.payment add constraint payment_customer_id_fkey
    foreign key (customer_id) references public.customer(customer_id) on update cascade on delete restrict;
alter table only public.payment add constraint payment_rental_id_fkey
    foreign key (rental_id) references public.rental(rental_id) on update cascade on delete set null;
alter table only public.payment add constraint payment_staff_id_fkey
    foreign key (staff_id) references public.staff(staff_id) on update cascade on delete restrict;
alter table only public.rental add constraint rental_customer_id_fkey
    foreign key (customer_id) references public.customer(customer_id) on update cascade on delete restrict;
alter table only public.rental add constraint rental_inventory_id_fkey
    foreign key (inventory_id) references public.inventory(inventory_id) on update cascade on delete restrict;
alter table only public.rental add constraint rental_staff_id_key
    foreign key (staff_id) references public.staff(staff_id);
alter table only public.staff add constraint staff_address_id_fkey
    foreign key (address_id) references public.address(address_id) on update cascade on delete restrict;
alter table only public.store add constraint store_address_id_fkey
    foreign key (address_id) references public.address(address_id) on update cascade on delete restrict;
alter table only public.store add constraint store_manager_staff_id_fkey
    foreign key (manager_staff_id) references public.staff(staff_id) on update cascade on delete restrict;
