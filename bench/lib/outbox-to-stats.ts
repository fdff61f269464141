import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Pool as HttpPool } from 'undici';
import { createAdmin, ensureTopics, type KafkaClientSettings, type OrderStatsRecord } from '@orderflow/kafka';
import { createDatabase, createVhost, freePort, startApp, type RunningApp } from '@orderflow/payment-worker/test-support';
import { readTopic, waitFor } from '@orderflow/testkit';
import { quantile } from './stats.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const AGGREGATOR = fileURLToPath(new URL('../../apps/stream-aggregator/src/main.ts', import.meta.url));

/** What one outbox → order-stats run measured. */
export interface OutboxToStatsResult {
  orders: number;
  /** Orders counted in order-stats per second: first request → the last count committed. */
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  transactions: number;
}

async function startAggregator(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void>; output: () => string }> {
  const port = await freePort();
  const child = spawn(NODE, [AGGREGATOR], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, { timeoutMs: 60_000, what: 'stream-aggregator ready' });
  return {
    url,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * order-api (Kafka publishing on) → Kafka → stream-aggregator → order-stats, on fresh topics, a
 * fresh database and vhost. Per order: the first order-stats record whose count for the order's
 * window includes it (its rank in the window by outbox id) − the outbox row's `created_at`.
 */
export async function runOutboxToStats(settings: KafkaClientSettings, options: { orders: number; httpConcurrency: number; log: (l: string) => void }): Promise<OutboxToStatsResult> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const topics = { source: `${prefix}.order-events`, stats: `${prefix}.order-stats`, alerts: `${prefix}.order-alerts`, dlt: `${prefix}.dlt`, changelog: `${prefix}.changelog` };
  const admin = createAdmin(settings);
  await ensureTopics(admin, [
    { name: topics.source, partitions: 6 },
    { name: topics.stats, partitions: 1 },
    { name: topics.alerts, partitions: 1 },
    { name: topics.dlt, partitions: 1 },
    { name: topics.changelog, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  const [db, vhost] = await Promise.all([createDatabase('bench_kafka'), createVhost('bench-kafka')]);
  let api: RunningApp | undefined;
  let agg: Awaited<ReturnType<typeof startAggregator>> | undefined;
  try {
    const brokers = settings.brokers.join(',');
    agg = await startAggregator({
      KAFKA_BROKERS: brokers,
      ORDERFLOW_KAFKA_GROUP: `${prefix}.aggregator`,
      ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
      KAFKA_TRANSACTIONAL_ID_PREFIX: `${prefix}.aggregator`,
      POD_NAME: 'bench-0',
      ORDERFLOW_KAFKA_TOPIC: topics.source,
      STATS_TOPIC: topics.stats,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.dlt,
      CHANGELOG_TOPIC: topics.changelog,
    });
    api = await startApp('order-api', { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, KAFKA_PUBLISH_ENABLED: 'true', KAFKA_BROKERS: brokers, KAFKA_ORDER_EVENTS_TOPIC: topics.source, KAFKA_TRANSACTIONAL_ID: `${prefix}.relay` });
    options.log('  order-api and stream-aggregator up');

    const http = new HttpPool(api.url, { connections: options.httpConcurrency, pipelining: 1 });
    let next = 0;
    const started = Date.now();
    const client = async (): Promise<void> => {
      while (next < options.orders) {
        const i = next++;
        const res = await http.request({
          method: 'POST',
          path: '/orders',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ customerId: `c-${i % 500}`, region: 'eu', currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 + (i % 100) }] }),
        });
        await res.body.text();
        if (res.statusCode !== 201) throw new Error(`POST /orders answered ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: options.httpConcurrency }, client));
    await http.close();
    options.log(`  ${options.orders} orders accepted in ${Date.now() - started} ms; waiting for order-stats`);

    const records = await readTopic(
      settings,
      topics.stats,
      (got) => {
        const last = new Map<string, number>();
        for (const r of got) last.set(r.key, (JSON.parse(r.value) as OrderStatsRecord).orderCount);
        return [...last.values()].reduce((a, b) => a + b, 0) >= options.orders;
      },
      { timeoutMs: 300_000, what: `all ${options.orders} orders counted in order-stats` },
    );
    const stats = records.map((r) => JSON.parse(r.value) as OrderStatsRecord);
    const { rows } = await db.pool.query<{ occurred_at: string; created_ms: number }>(
      `select payload->>'occurredAt' as occurred_at, extract(epoch from created_at) * 1000 as created_ms
         from outbox where event_type = 'order.created' order by id`,
    );
    // Per window, in outbox order: the k-th order is in the first record whose count reaches k.
    const byWindow = new Map<string, number[]>();
    for (const r of rows) {
      const start = new Date(Math.floor(Date.parse(r.occurred_at) / 60_000) * 60_000).toISOString();
      byWindow.set(start, [...(byWindow.get(start) ?? []), Number(r.created_ms)]);
    }
    const latencies: number[] = [];
    for (const [start, created] of byWindow) {
      const updates = stats.filter((s) => s.windowStart === start);
      created.forEach((c, k) => {
        const first = updates.find((u) => u.orderCount >= k + 1);
        if (first !== undefined) latencies.push(Date.parse(first.emittedAt) - c);
      });
    }
    latencies.sort((a, b) => a - b);
    const lastEmitted = Math.max(...stats.map((s) => Date.parse(s.emittedAt)));
    const transactions = Number(/aggregator_transactions_total\{outcome="committed"[^}]*\} (\d+)/.exec(await (await fetch(`${agg.url}/metrics`)).text())?.[1] ?? 0);
    return {
      orders: options.orders,
      eventsPerSecond: (options.orders / (lastEmitted - started)) * 1000,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      transactions,
    };
  } finally {
    await api?.stop();
    await agg?.stop();
    await vhost.drop().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.close();
  }
}
