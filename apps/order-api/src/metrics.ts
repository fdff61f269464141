import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '@orderflow/pg';
import { createBreakerGauge } from '@orderflow/telemetry';

/** order-api's own metrics (HTTP and AMQP ones come from @orderflow/http and @orderflow/messaging). */
export interface OrderApiMetrics {
  ordersAccepted: Counter<'outcome'>;
  intakeBatchSize: Histogram;
  intakeWriteSeconds: Histogram<'outcome'>;
  relayBatches: Counter<'outcome'>;
  relayRows: Counter;
  relayRetries: Counter;
  relayLagSeconds: Histogram;
  relayBreakerState: Gauge;
  relayConsecutiveFailures: Gauge;
}

export function createOrderApiMetrics(registry: Registry, pool: Pool): OrderApiMetrics {
  const registers = [registry];
  new Gauge({
    name: 'outbox_pending_rows',
    help: 'Outbox rows not yet confirmed by RabbitMQ.',
    registers,
    async collect() {
      try {
        const { rows } = await pool.query<{ n: string }>('select count(*) as n from outbox where published_at is null');
        this.set(Number(rows[0]?.n ?? 0));
      } catch {
        // A scrape must not fail because the database is down; the gauge keeps its last value.
      }
    },
  });
  return {
    ordersAccepted: new Counter({
      name: 'orders_accepted_total',
      help: 'Orders answered successfully: created, or replayed for a repeated Idempotency-Key.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    intakeBatchSize: new Histogram({
      name: 'order_intake_batch_size',
      help: 'Orders written per INSERT statement.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    intakeWriteSeconds: new Histogram({
      name: 'order_intake_write_seconds',
      help: 'Time to write one batch of orders with their outbox rows.',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    relayBatches: new Counter({
      name: 'outbox_relay_batches_total',
      help: 'Relay attempts by outcome (published, failed, broker_unavailable, breaker_open).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    relayRows: new Counter({ name: 'outbox_relay_published_rows_total', help: 'Outbox rows confirmed by RabbitMQ and marked sent.', registers }),
    relayRetries: new Counter({ name: 'outbox_relay_retries_total', help: 'Relay attempts repeated after a failure.', registers }),
    relayLagSeconds: new Histogram({
      name: 'outbox_relay_lag_seconds',
      help: 'Time from an outbox row being written to its confirm.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    relayBreakerState: createBreakerGauge({ name: 'outbox_relay_breaker_state', guards: 'the relay\'s RabbitMQ publishing', registry }),
    relayConsecutiveFailures: new Gauge({
      name: 'outbox_relay_consecutive_failures',
      help: 'Relay attempts failed in a row (0 while publishing works); the reason is in /readyz and the relay log.',
      registers,
    }),
  };
}
