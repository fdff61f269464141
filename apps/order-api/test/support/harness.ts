import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { createLogger } from '@orderflow/logging';
import { createPool, migrate, ping, type Pool } from '@orderflow/pg';
import { createMetricsRegistry } from '@orderflow/telemetry';
import type { Registry } from 'prom-client';
import { OrderWriter } from '../../src/intake/order-writer.ts';
import { createOrderApiMetrics, type OrderApiMetrics } from '../../src/metrics.ts';
import { buildServer } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from '@orderflow/testkit';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A quiet logger: tests read results, not log lines. */
export function testLogger() {
  // ORDER_API_TEST_LOGS=1 prints them when a test needs explaining.
  if (process.env.ORDER_API_TEST_LOGS === '1') return createLogger('order-api-test', { level: 'debug' });
  return createLogger('order-api-test', { level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
}

/** One answered request, for checking the OpenAPI document declares it. */
export interface RecordedResponse {
  method: string;
  route: string | undefined;
  status: number;
}

export interface Harness {
  db: TestDatabase;
  pool: Pool;
  registry: Registry;
  metrics: OrderApiMetrics;
  writer: OrderWriter;
  app: FastifyInstance;
  /** Every response so far: method, route pattern (undefined when no route matched), status. */
  responses: RecordedResponse[];
  /** Closes the app and pool and drops the database. */
  close(): Promise<void>;
}

/** order-api's server on a fresh, migrated database; `onCommitted` is how a relay gets woken. */
export async function createHarness(
  options: { bodyLimit?: number; onCommitted?: () => void; adminToken?: string; poolUrl?: (databaseUrl: string) => string } = {},
): Promise<Harness> {
  const db = await createTestDatabase('order_api_test');
  const pool = createPool(options.poolUrl?.(db.url) ?? db.url, { max: 8 });
  await migrate(pool, { dir: MIGRATIONS_DIR, table: 'order_api_migrations' });
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const metrics = createOrderApiMetrics(registry, pool);
  const writer = new OrderWriter(pool, { maxBatch: 500, maxConcurrentWrites: 4, ...(options.onCommitted && { onCommitted: options.onCommitted }) });
  const app = await buildServer(
    { BODY_LIMIT_BYTES: options.bodyLimit ?? 16_384, LOG_REQUESTS: false, ...(options.adminToken && { ORDERS_ADMIN_TOKEN: options.adminToken }) },
    { logger: testLogger(), pool, writer, registry, metrics, readinessChecks: [{ name: 'postgres', check: () => ping(pool) }] },
  );
  const responses: RecordedResponse[] = [];
  app.addHook('onResponse', (request, reply, done) => {
    responses.push({ method: request.method, route: request.routeOptions.url, status: reply.statusCode });
    done();
  });
  return {
    db,
    pool,
    registry,
    metrics,
    writer,
    app,
    responses,
    async close() {
      await app.close();
      if (!pool.ended) await pool.end();
      await db.drop();
    },
  };
}

/** A valid order body; override what a test is about. */
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'c-1',
    region: 'eu',
    priority: 'normal',
    currency: 'EUR',
    items: [{ sku: 'A-1', quantity: 2, unitPriceMinor: 1250 }],
    ...overrides,
  };
}
