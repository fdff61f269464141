-- Products. A deleted product keeps its row (deleted_at set) so its version keeps counting:
-- a re-created SKU continues at version + 1, and a cached tombstone's version stays comparable.
create table products (
  sku          text primary key,
  name         text not null,
  description  text not null default '',
  category     text not null,
  price_minor  bigint not null check (price_minor >= 0),
  currency     char(3) not null,
  stock        integer not null check (stock >= 0),
  attributes   jsonb not null default '{}'::jsonb,
  version      bigint not null default 1,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  deleted_at   timestamptz
);

create index products_category on products (category) where deleted_at is null;

-- Reviews feed the product details (rating summary and rank in category).
create table product_reviews (
  id          bigserial primary key,
  sku         text not null,
  rating      smallint not null check (rating between 1 and 5),
  created_at  timestamptz not null default now()
);

create index product_reviews_sku on product_reviews (sku);
