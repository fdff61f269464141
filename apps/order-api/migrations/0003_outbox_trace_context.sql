-- The W3C trace context (traceparent, tracestate) of the request that wrote each outbox row, so
-- the relay's publish continues the request's trace (docs/observability.md). Empty when the
-- request was not traced.
alter table outbox add column trace_context jsonb not null default '{}';
