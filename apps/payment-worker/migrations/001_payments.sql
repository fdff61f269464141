-- One row per order: the primary key is what makes a redelivered message never charge twice.
CREATE TABLE IF NOT EXISTS payments (
  order_id      uuid PRIMARY KEY,
  status        text NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
  attempts      integer NOT NULL DEFAULT 1,
  provider_ref  text,
  amount_minor  bigint NOT NULL,
  currency      text NOT NULL,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS payments_status_idx ON payments (status) WHERE status <> 'paid';
