import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createLogger } from '@orderflow/logging';
import { createPool, migrate, type Pool } from '@orderflow/pg';
import { createMetricsRegistry, type Registry } from '@orderflow/telemetry';
import { createTestDatabase, stackSetting, TcpProxy, uniqueName, type TestDatabase } from '@orderflow/testkit';
import { createRedisClient } from '../../src/cache/redis-client.ts';
import { createCatalogParts, type CatalogParts } from '../../src/catalog-parts.ts';
import type { CatalogConfig } from '../../src/config.ts';
import type { ProductRepository } from '../../src/products/product-repository.ts';
import { buildServer } from '../../src/server.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A quiet logger (CATALOG_TEST_LOGS=1 prints it); `lines` keeps what was logged. */
export function testLogger(lines: string[] = []) {
  if (process.env.CATALOG_TEST_LOGS === '1') return createLogger('catalog-api-test', { level: 'debug' });
  return createLogger('catalog-api-test', {
    level: 'info',
    destination: new Writable({
      write: (chunk: Buffer, _e, cb) => {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    }),
  });
}

/** Settings a test may change; the rest are the production defaults that matter here. */
export interface HarnessOptions {
  ttlMs?: number;
  jitterMs?: number;
  negativeTtlMs?: number;
  staleTtlMs?: number;
  breakerThreshold?: number;
  halfOpenAfterMs?: number;
  redisCommandTimeoutMs?: number;
  dbPoolMax?: number;
  dbConnectTimeoutMs?: number;
  /** Put a TCP proxy the test controls in front of PostgreSQL (the app's pool only). */
  proxyPostgres?: boolean;
  /** Put a TCP proxy the test controls in front of Redis. */
  proxyRedis?: boolean;
  Repository?: typeof ProductRepository;
}

export interface Harness {
  db: TestDatabase;
  /** A pool straight to the test database (never through the proxy), for the test's own checks. */
  admin: Pool;
  pool: Pool;
  redis: Redis;
  /** A client straight to Redis, for the test's own checks. */
  redisAdmin: Redis;
  prefix: string;
  registry: Registry;
  parts: CatalogParts;
  app: FastifyInstance;
  logLines: string[];
  pgProxy?: TcpProxy;
  redisProxy?: TcpProxy;
  /** Successful database queries of `op` counted by the repository (real queries only). */
  dbQueries(op: string): Promise<number>;
  /** The value of a counter or gauge, summed over series matching `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

function via(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.host = proxy.address;
  return u.toString();
}

/** catalog-api's server on a fresh, migrated database and a Redis key prefix of its own. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase('catalog_test');
  const admin = createPool(db.url, { max: 4 });
  await migrate(admin, { dir: MIGRATIONS_DIR, table: 'catalog_api_migrations' });

  const pgTarget = new URL(db.url);
  const pgProxy = options.proxyPostgres === true ? new TcpProxy({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) }) : undefined;
  await pgProxy?.open();
  const redisUrl = stackSetting('REDIS_URL');
  const redisTarget = new URL(redisUrl);
  const redisProxy = options.proxyRedis === true ? new TcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) }) : undefined;
  await redisProxy?.open();

  const pool = createPool(pgProxy === undefined ? db.url : via(db.url, pgProxy), { max: options.dbPoolMax ?? 8, connectionTimeoutMs: options.dbConnectTimeoutMs ?? 2_000 });
  const redis = createRedisClient(redisProxy === undefined ? redisUrl : via(redisUrl, redisProxy), {
    commandTimeoutMs: options.redisCommandTimeoutMs ?? 1_000,
    connectTimeoutMs: 2_000,
  });
  redis.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error('Redis connection ended before ready')));
  });
  const redisAdmin = createRedisClient(redisUrl, { commandTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
  redisAdmin.on('error', () => undefined);

  const prefix = `${uniqueName('catalog-test')}:`;
  const config: Parameters<typeof createCatalogParts>[0] = {
    CACHE_KEY_PREFIX: prefix,
    CACHE_TTL_MS: options.ttlMs ?? 60_000,
    CACHE_TTL_JITTER_MS: options.jitterMs ?? 0,
    CACHE_NEGATIVE_TTL_MS: options.negativeTtlMs ?? 60_000,
    CACHE_STALE_TTL_MS: options.staleTtlMs ?? 3_600_000,
    DB_BREAKER_THRESHOLD: options.breakerThreshold ?? 3,
    DB_BREAKER_HALF_OPEN_AFTER_MS: options.halfOpenAfterMs ?? 500,
    DB_POOL_MAX: options.dbPoolMax ?? 8,
    DB_MAX_QUEUED: 1_000,
  } satisfies Partial<CatalogConfig>;
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const logLines: string[] = [];
  const logger = testLogger(logLines);
  const parts = createCatalogParts(config, { pool, redis, registry, logger }, options.Repository === undefined ? {} : { Repository: options.Repository });
  const app = await buildServer({ BODY_LIMIT_BYTES: 65_536, LOG_REQUESTS: false }, { logger, catalog: parts.catalog, registry, readinessChecks: [] });

  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const m = registry.getSingleMetric(name);
    if (m === undefined) throw new Error(`no metric ${name}`);
    const { values } = await m.get();
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
  };
  return {
    db,
    admin,
    pool,
    redis,
    redisAdmin,
    prefix,
    registry,
    parts,
    app,
    logLines,
    ...(pgProxy && { pgProxy }),
    ...(redisProxy && { redisProxy }),
    dbQueries: (op) => metric('catalog_db_queries_total', { op, outcome: 'ok' }),
    metric,
    async close() {
      await app.close();
      const keys = await redisAdmin.keys(`${prefix}*`);
      if (keys.length > 0) await redisAdmin.del(...keys);
      redis.disconnect();
      redisAdmin.disconnect();
      await pgProxy?.close();
      await redisProxy?.close();
      if (!pool.ended) await pool.end();
      await admin.end();
      await db.drop();
    },
  };
}

/** A valid product body; override what a test is about. */
export function productBody(overrides: Record<string, unknown> = {}): { sku: string; [field: string]: unknown } {
  return {
    sku: uniqueName('SKU'),
    name: 'Espresso cup',
    description: 'Porcelain, 80 ml',
    category: 'kitchen',
    priceMinor: 1250,
    currency: 'EUR',
    stock: 40,
    attributes: { colour: 'white', dishwasherSafe: true },
    ...overrides,
  };
}
