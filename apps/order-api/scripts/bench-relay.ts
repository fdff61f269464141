// Outbox relay throughput: writes BACKLOG order.created rows straight into a fresh database's
// outbox, then times one OutboxRelay (same code as order-api) publishing them all to a fresh
// vhost with publisher confirms and marking them sent.
//   node scripts/bench-relay.ts        (BACKLOG=20000 BATCH=1000 WINDOW=500 by default)
import { fileURLToPath } from 'node:url';
import { AmqpConnection, ConfirmPublisher, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import { createPool, migrate } from '@orderflow/pg';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createTestDatabase, createTestVhost, waitFor } from '@orderflow/testkit';
import { createOrderApiMetrics } from '../src/metrics.ts';
import { OutboxRelay } from '../src/relay/outbox-relay.ts';
import { testLogger } from '../test/support/harness.ts';

const BACKLOG = Number(process.env.BACKLOG ?? 20_000);
const BATCH = Number(process.env.BATCH ?? 1_000);
const WINDOW = Number(process.env.WINDOW ?? 500);

const db = await createTestDatabase('bench_relay');
const vhost = await createTestVhost('bench-relay');
const pool = createPool(db.url, { max: 4 });
const connection = await AmqpConnection.open(vhost.url, { name: 'bench-relay' });
// Interrupted runs still remove their database and vhost.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.allSettled([db.drop(), vhost.drop()]).then(() => process.exit(130)));
}
try {
  await migrate(pool, { dir: fileURLToPath(new URL('../migrations', import.meta.url)), table: 'order_api_migrations' });
  const ch = await connection.createChannel();
  await declareOrderTopology(ch);
  await ch.close();
  // A realistic body: what the intake writes for a one-item order.
  await pool.query(
    `insert into outbox (aggregate_id, event_type, exchange, routing_key, payload, headers)
     select id, 'order.created', 'orders', 'order.created',
            jsonb_build_object('eventId', gen_random_uuid(), 'type', 'order.created', 'occurredAt', now(), 'orderId', id,
              'order', jsonb_build_object('id', id, 'customerId', 'bench', 'region', 'eu', 'priority', 'normal', 'currency', 'EUR',
                'totalMinor', 2500, 'items', jsonb_build_array(jsonb_build_object('sku', 'A-1', 'quantity', 2, 'unitPriceMinor', 1250)))),
            jsonb_build_object('priority', 'normal', 'region', 'eu', 'x-orderflow-order-id', id)
       from (select gen_random_uuid() as id from generate_series(1, $1)) g`,
    [BACKLOG],
  );
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const publisher = new ConfirmPublisher(connection, { window: WINDOW, registry });
  const relay = new OutboxRelay({ pool, publisher, logger: testLogger(), metrics: createOrderApiMetrics(registry, pool), batchSize: BATCH, pollIntervalMs: 50, maxBackoffMs: 1_000 });
  const started = performance.now();
  relay.start();
  await waitFor(async () => (await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n === 0, {
    what: 'outbox drained',
    timeoutMs: 300_000,
    intervalMs: 10,
  });
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  await publisher.close();
  const queued = await waitFor(async () => {
    const check = await connection.createChannel();
    const q = await check.checkQueue(QUEUES.payments);
    await check.close();
    return q.messageCount >= BACKLOG ? q.messageCount : undefined;
  }, { what: 'messages on payments', timeoutMs: 60_000 });
  const text = await registry.getSingleMetricAsString('amqp_publish_batch_confirm_seconds');
  const sum = Number(/_sum\S* (\S+)/.exec(text)?.[1]);
  const count = Number(/_count\S* (\S+)/.exec(text)?.[1]);
  console.log(`  mean time from first publish to last confirm of a batch: ${((sum / count) * 1000).toFixed(0)} ms over ${count} batches`);
  console.log(`outbox relay: ${BACKLOG} rows published with confirms and marked sent in ${seconds.toFixed(2)} s = ${(BACKLOG / seconds).toFixed(0)} rows/s (batch ${BATCH}, confirm window ${WINDOW}); payments queue holds ${queued}`);
} finally {
  await connection.close();
  await pool.end();
  await db.drop();
  await vhost.drop();
}
