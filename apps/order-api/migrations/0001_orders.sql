-- Orders, their status history and the transactional outbox (docs/order-messaging.md).
create table orders (
  id               uuid primary key,
  idempotency_key  text unique,
  -- sha256 of the accepted request body; a repeat key with another body is refused.
  request_hash     text,
  customer_id      text not null,
  region           text not null,
  priority         text not null check (priority in ('normal', 'high')),
  currency         char(3) not null,
  total_minor      bigint not null check (total_minor >= 0),
  items            jsonb not null,
  status           text not null check (status in ('accepted', 'payment_pending', 'paid', 'payment_failed')),
  version          integer not null default 1,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);

-- Keyset paging: newest first, ties broken by id.
create index orders_created_at_id on orders (created_at desc, id desc);
create index orders_customer_created on orders (customer_id, created_at desc, id desc);

create table order_status_history (
  id        bigserial primary key,
  order_id  uuid not null references orders (id),
  status    text not null,
  reason    text,
  at        timestamptz not null default now()
);
create index order_status_history_order on order_status_history (order_id, id);

create table outbox (
  id            bigserial primary key,
  aggregate_id  uuid not null,
  event_type    text not null,
  exchange      text not null,
  routing_key   text not null,
  payload       jsonb not null,
  headers       jsonb not null default '{}',
  created_at    timestamptz not null default now(),
  published_at  timestamptz
);
-- The relay only ever reads unpublished rows, oldest first.
create index outbox_unpublished on outbox (id) where published_at is null;
