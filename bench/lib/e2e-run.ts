import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool as HttpPool } from 'undici';
import { ADMIN_TOKEN, startApp, createDatabase, createVhost, type RunningApp } from '@orderflow/payment-worker/test-support';
import { quantile } from './stats.ts';

/** Settings of one end-to-end run. */
export interface E2eOptions {
  orders: number;
  /** Requests in flight at once against order-api. */
  httpConcurrency: number;
  /** Extra environment for the worker (PREFETCH, CONCURRENCY, BATCH_SIZE, ...). */
  workerEnv?: Record<string, string>;
  providerEnv?: Record<string, string>;
  /** Extra environment for order-api (e.g. Kafka publishing on). */
  orderApiEnv?: Record<string, string>;
  /** Extra environment for all three apps (tracing settings, for example). */
  appEnv?: Record<string, string>;
  log?: (line: string) => void;
}

/** What one run measured. */
export interface E2eResult {
  orders: number;
  /** First request sent → last order paid (its status change committed). */
  totalMs: number;
  /** First request sent → last 201 received. */
  acceptMs: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  peakRss: Record<string, number>;
  /** CPU seconds each app used during the run (posting and processing, not start-up). */
  cpuSeconds: Record<string, number>;
  charges: number;
}

function body(i: number): string {
  const price = 500 + (i % 1000);
  return JSON.stringify({ customerId: `c-${i % 500}`, region: 'eu', currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: price }] });
}

/**
 * One end-to-end run on fresh queues and a fresh database: provider, order-api and worker as
 * child processes; `orders` orders posted with bounded concurrency (each with its own
 * Idempotency-Key); finished when every order is `paid`. Per-order latency is `paid` history
 * time − order `created_at`, both taken by PostgreSQL.
 */
export async function runE2e(options: E2eOptions): Promise<E2eResult> {
  const log = options.log ?? (() => undefined);
  const [db, vhost] = await Promise.all([createDatabase('bench_e2e'), createVhost('bench-e2e')]);
  const apps: Record<string, RunningApp> = {};
  try {
    apps.provider = await startApp('payment-provider', { ...options.appEnv, PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, ...options.providerEnv });
    apps['order-api'] = await startApp('order-api', { ...options.appEnv, DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, ...options.orderApiEnv });
    apps['payment-worker'] = await startApp('payment-worker', { ...options.appEnv, DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: apps.provider.url, ...options.workerEnv });
    log(`  apps up (db ${new URL(db.url).pathname.slice(1)}, vhost ${vhost.name})`);

    const cpuAtStart = Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, app.cpuSeconds()]));
    const http = new HttpPool(apps['order-api'].url, { connections: options.httpConcurrency, pipelining: 1 });
    let next = 0;
    let failures = 0;
    const started = Date.now();
    let lastAccepted = started;
    const client = async (): Promise<void> => {
      while (next < options.orders) {
        const i = next++;
        const res = await http.request({
          method: 'POST',
          path: '/orders',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: body(i),
        });
        const text = await res.body.text();
        if (res.statusCode !== 201) {
          failures += 1;
          if (failures <= 3) log(`  POST /orders answered ${res.statusCode}: ${text}`);
        }
        lastAccepted = Date.now();
      }
    };
    await Promise.all(Array.from({ length: options.httpConcurrency }, client));
    await http.close();
    if (failures > 0) throw new Error(`${failures} orders were not accepted`);
    log(`  ${options.orders} accepted in ${lastAccepted - started} ms`);

    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await db.pool.query<{ n: string }>(`select count(*) as n from orders where status = 'paid'`);
      if (Number(rows[0]?.n) === options.orders) break;
      if (Date.now() > deadline) throw new Error(`only ${rows[0]?.n} of ${options.orders} orders paid after 300 s`);
      await sleep(25);
    }
    const peakRss = Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, app.peakRss()]));
    const cpuSeconds = Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, app.cpuSeconds() - (cpuAtStart[name] ?? 0)]));

    const { rows } = await db.pool.query<{ latency_ms: number; paid_at_ms: number }>(
      `select extract(epoch from (h.at - o.created_at)) * 1000 as latency_ms, extract(epoch from h.at) * 1000 as paid_at_ms
         from orders o join order_status_history h on h.order_id = o.id and h.status = 'paid'`,
    );
    const latencies = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
    const lastPaid = Math.max(...rows.map((r) => Number(r.paid_at_ms)));
    const totalMs = lastPaid - started;
    const summary = (await (await fetch(`${apps.provider.url}/ledger/summary`)).json()) as { charges: number };
    return {
      orders: options.orders,
      totalMs,
      acceptMs: lastAccepted - started,
      ordersPerSecond: (options.orders / totalMs) * 1000,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      peakRss,
      cpuSeconds,
      charges: summary.charges,
    };
  } finally {
    for (const name of ['payment-worker', 'order-api', 'provider']) await apps[name]?.stop();
    // Cleanup problems are reported, never allowed to hide the figures.
    await vhost.drop().catch((err: unknown) => log(`  could not drop vhost ${vhost.name}: ${(err as Error).message}`));
    await db.drop().catch((err: unknown) => log(`  could not drop database: ${(err as Error).message}`));
  }
}
