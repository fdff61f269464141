// Catalog benchmark: a product details query that takes about half a second uncached, against
// the cached path, through HTTP on loopback; redis-benchmark GET on the same Redis as the floor.
//   node bench/catalog.ts [--products 200] [--categories 4] [--reviews 4000000] [--requests 10000]
//                         [--concurrency 16] [--zipf 1.1] [--uncached 40] [--seed 42]
// Prints the figures; nothing here asserts a time.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { generateCatalog, skuOf } from './catalog-data.ts';
import { figures, run, type Sample } from './catalog-load.ts';
import { redisGetFloor } from './catalog-redis.ts';
import { seededRandom, zipfSampler } from './catalog-zipf.ts';
import { mib, table } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '200' },
    categories: { type: 'string', default: '4' },
    reviews: { type: 'string', default: '4000000' },
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    zipf: { type: 'string', default: '1.1' },
    uncached: { type: 'string', default: '40' },
    seed: { type: 'string', default: '42' },
  },
});
const products = Number(values.products);
const categories = Number(values.categories);
const reviews = Number(values.reviews);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const zipfS = Number(values.zipf);
const uncachedCount = Math.min(Number(values.uncached), products);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string => loadavg()[0]!.toFixed(1);
const f2 = (n: number): string => n.toFixed(2);

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

console.log(`# catalog-api benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mib(totalmem())} RAM, Node ${process.version}, load average ${load()} at start`);
console.log(`data: ${products} products in ${categories} categories, ${reviews.toLocaleString('en')} reviews; ${requests} requests, Zipf s=${zipfS}, ${concurrency} in flight\n`);

const redisUrl = stackSetting('REDIS_URL');
const admin = new Redis(redisUrl);
const db = await createTestDatabase('catalog_bench');
const prefix = `${uniqueName('catalog-bench')}:`;
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const app = spawn(process.execPath, ['src/main.ts'], {
  cwd: fileURLToPath(new URL('../apps/catalog-api', import.meta.url)),
  env: {
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CACHE_KEY_PREFIX: prefix,
    // Nothing expires during the run: the hit ratio is the key distribution's, not the TTL's.
    CACHE_TTL_MS: '3600000',
    DB_STATEMENT_TIMEOUT_MS: '120000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

async function dropCache(): Promise<void> {
  for (let cursor = '0'; ; ) {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    if (next === '0') return;
    cursor = next;
  }
}

async function metric(name: string): Promise<string> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).join('; ');
}

/** Summary queries catalog-api has sent so far (its own counter of real queries). */
async function summaryQueries(): Promise<number> {
  return Number(/^catalog_db_queries_total\{op="summary",outcome="ok"[^}]*\} (\S+)$/m.exec(await (await fetch(`${origin}/metrics`)).text())?.[1] ?? 0);
}

try {
  await waitFor(async () => (await fetch(`${origin}/readyz`)).ok, { what: 'catalog-api to be ready', timeoutMs: 60_000, intervalMs: 200 });
  log(`generating ${reviews} reviews…`);
  const genStarted = performance.now();
  await generateCatalog(pool, { products, categories, reviews });
  log(`generated in ${((performance.now() - genStarted) / 1000).toFixed(0)} s`);

  // 1. Uncached: distinct SKUs, one at a time (each request is a miss: lookup, the query, the put).
  const random = seededRandom(Number(values.seed));
  const shuffled = Array.from({ length: products }, (_, i) => i + 1).sort(() => random() - 0.5);
  log(`uncached: ${uncachedCount} requests…`);
  const loadBefore = load();
  const uncached = await run(origin, shuffled.slice(0, uncachedCount).map((i) => `/products/${skuOf(i)}/details`), 1);
  if (uncached.samples.some((s) => s.outcome !== 'miss')) throw new Error('an uncached request was not a miss');
  const u = figures(uncached.samples);

  // 2. Zipf from a cold cache: misses for each SKU's first request (coalesced), hits after.
  await dropCache();
  const zipf = zipfSampler(products, zipfS, random);
  const draw = (n: number): string[] => Array.from({ length: n }, () => `/products/${skuOf(zipf())}/details`);
  log(`zipf, cold cache: ${requests} requests…`);
  const queriesBefore = await summaryQueries();
  const coldPaths = draw(requests);
  const cold = await run(origin, coldPaths, concurrency);
  const coldQueries = (await summaryQueries()) - queriesBefore;
  const hits = cold.samples.filter((s) => s.outcome === 'hit');
  const misses = cold.samples.filter((s) => s.outcome === 'miss');
  const coldAll = figures(cold.samples);
  const coldHits = figures(hits);
  const coldMisses = figures(misses);

  // 3. Warm: every key cached; the hit path alone, at the same concurrency and one at a time.
  for (let i = 1; i <= products; i++) await fetch(`${origin}/products/${skuOf(i)}/details`).then((r) => r.text());
  log('warm runs…');
  const warm = await run(origin, draw(requests), concurrency);
  const warmOne = await run(origin, draw(Math.min(requests, 3_000)), 1);
  const warmProduct = await run(origin, draw(requests).map((p) => p.replace(/\/details$/, '')), concurrency);
  const loadAfter = load();

  const entryBytes = Buffer.byteLength((await admin.get(`${prefix}{summary:${skuOf(1)}}`)) ?? '') + Buffer.byteLength((await admin.get(`${prefix}{product:${skuOf(1)}}`)) ?? '');
  const redisTarget = new URL(redisUrl);
  log('redis-benchmark…');
  const floor = await redisGetFloor(admin, redisTarget.hostname, Number(redisTarget.port || 6379), entryBytes, [
    { concurrency: 1, requests: 20_000 },
    { concurrency, requests: 100_000 },
  ]);

  const row = (label: string, f: ReturnType<typeof figures>, extra: string[]): string[] => [label, String(f.count), f2(f.p50), f2(f.p99), f2(f.max), ...extra];
  const hdr = ['path', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'requests/s', 'hit ratio'];
  const ratio = (s: Sample[]): string => `${((s.filter((x) => x.outcome === 'hit').length / s.length) * 100).toFixed(1)}%`;
  console.log(`## GET /products/:sku/details through HTTP (load average ${loadBefore} → ${loadAfter})\n`);
  console.log(
    table(hdr, [
      row('uncached (distinct SKUs, 1 in flight)', u, [f2(uncachedCount / uncached.seconds), '0%']),
      row(`Zipf, cold cache, ${concurrency} in flight: all`, coldAll, [f2(requests / cold.seconds), ratio(cold.samples)]),
      row('  of which hits', coldHits, ['', '']),
      row('  of which misses (incl. coalesced)', coldMisses, ['', '']),
      row(`warm cache, ${concurrency} in flight`, figures(warm.samples), [f2(requests / warm.seconds), ratio(warm.samples)]),
      row('warm cache, 1 in flight', figures(warmOne.samples), [f2(warmOne.samples.length / warmOne.seconds), ratio(warmOne.samples)]),
      row(`GET /products/:sku, warm, ${concurrency} in flight`, figures(warmProduct.samples), [f2(requests / warmProduct.seconds), ratio(warmProduct.samples)]),
    ]),
  );
  console.log(
    `\nZipf, cold cache: ${new Set(coldPaths).size} distinct SKUs requested, ${coldQueries} summary queries sent to PostgreSQL for ${misses.length} misses (the rest joined a load in flight).`,
  );
  console.log(`catalog-api after the run: ${await metric('catalog_cache_hit_ratio')}\n`);
  console.log(`## Floor: redis-benchmark -t get on the same Redis (value ${entryBytes} bytes, the size of a cached product + summary)\n`);
  const warmBy = new Map([[1, figures(warmOne.samples)], [concurrency, figures(warm.samples)]]);
  console.log(
    table(
      ['clients', 'GET/s', 'p50 ms', 'p99 ms', 'HTTP hit p50 ms', 'HTTP hit p99 ms', 'HTTP ÷ Redis p50', 'HTTP ÷ Redis p99'],
      floor.map((r) => {
        const h = warmBy.get(r.concurrency)!;
        return [String(r.concurrency), f2(r.rps), f2(r.p50), f2(r.p99), f2(h.p50), f2(h.p99), f2(h.p50 / r.p50), f2(h.p99 / r.p99)];
      }),
    ),
  );
  console.log(`\nuncached ÷ cached (warm, 1 in flight) p50: ${(u.p50 / figures(warmOne.samples).p50).toFixed(0)}×`);
} finally {
  app.kill('SIGTERM');
  await once(app, 'exit');
  await pool.end();
  await dropCache();
  admin.disconnect();
  await db.drop();
}
