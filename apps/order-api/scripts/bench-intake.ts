// HTTP intake throughput of order-api: starts its own order-api (fresh database and vhost, relay
// on), warms up, then fires ORDERS POST /orders over CONNECTIONS concurrent keep-alive
// connections, and prints throughput, latency, and how long until the outbox was published.
//   node scripts/bench-intake.ts            (ORDERS=20000 CONNECTIONS=64 by default)
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, createTestVhost, waitFor } from '@orderflow/testkit';

const ORDERS = Number(process.env.ORDERS ?? 20_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const appDir = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface LoadResult {
  seconds: number;
  statuses: Map<number, number>;
  errors: number;
  latenciesMs: number[];
}

/** CONNECTIONS keep-alive connections, each posting orders back to back until `amount` were sent. */
async function load(port: number, amount: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  let errors = 0;
  let sent = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const body = JSON.stringify({ customerId: `bench-${randomUUID()}`, region: 'eu', priority: 'normal', currency: 'EUR', items: [{ sku: 'A-1', quantity: 2, unitPriceMinor: 1250 }] });
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/orders', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latenciesMs.push(performance.now() - t0);
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (sent < amount) {
        sent += 1;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latenciesMs.sort((a, b) => a - b);
  return { seconds, statuses, errors, latenciesMs };
}

const pct = (sorted: number[], p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1);

const db = await createTestDatabase('bench_intake');
const vhost = await createTestVhost('bench-intake');
const port = await freePort();
const child = spawn(process.execPath, ['src/main.ts'], {
  cwd: appDir,
  env: { ...process.env, DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', PROMETHEUS_TARGETS_DIR: '' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const pool = new pg.Pool({ connectionString: db.url, max: 1 });
pool.on('error', () => undefined); // dropping the database ends its idle connection
// Interrupted runs still remove their database and vhost.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    child.kill('SIGTERM');
    void Promise.allSettled([db.drop(), vhost.drop()]).then(() => process.exit(130));
  });
}
try {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { what: 'order-api ready', timeoutMs: 60_000 });
  await load(port, 1_000); // warm-up: JIT, pool connections
  await waitFor(async () => (await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n === 0, { what: 'warm-up drained', timeoutMs: 60_000 });

  const started = performance.now();
  const r = await load(port, ORDERS);
  await waitFor(async () => (await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n === 0, {
    what: 'outbox published',
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  const published = performance.now();
  const stored = (await pool.query<{ n: number }>('select count(*)::int as n from orders')).rows[0]!.n;
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const batchSum = Number(/order_intake_batch_size_sum\S* (\S+)/.exec(metrics)?.[1]);
  const batchCount = Number(/order_intake_batch_size_count\S* (\S+)/.exec(metrics)?.[1]);

  const statuses = [...r.statuses].map(([s, n]) => `${s}: ${n}`).join(', ');
  console.log(`order-api intake, ${ORDERS} POST /orders over ${CONNECTIONS} keep-alive connections (load generator on the same machine)`);
  console.log(`  HTTP: ${(ORDERS / r.seconds).toFixed(0)} orders/s over ${r.seconds.toFixed(2)} s; latency p50 ${pct(r.latenciesMs, 50)} ms, p90 ${pct(r.latenciesMs, 90)} ms, p99 ${pct(r.latenciesMs, 99)} ms; statuses ${statuses}; socket errors ${r.errors}`);
  console.log(`  outbox fully published (confirmed) ${((published - started) / 1000).toFixed(2)} s after the first request`);
  const writeSum = Number(/order_intake_write_seconds_sum\{[^}]*outcome="ok"[^}]*\} (\S+)/.exec(metrics)?.[1]);
  const writeCount = Number(/order_intake_write_seconds_count\{[^}]*outcome="ok"[^}]*\} (\S+)/.exec(metrics)?.[1]);
  console.log(`  mean time of one batch INSERT (orders + history + outbox): ${((writeSum / writeCount) * 1000).toFixed(1)} ms`);
  console.log(`  orders stored: ${stored} (incl. 1000 warm-up); mean orders per INSERT batch: ${(batchSum / batchCount).toFixed(1)}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await pool.end();
  await db.drop();
  await vhost.drop();
}
