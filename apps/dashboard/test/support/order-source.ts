import { fileURLToPath } from 'node:url';
import { recordStatusChanges, type StatusChange, type StatusChangeResult } from '@orderflow/order-status';
import { createPool, migrate, withTransaction, type Pool } from '@orderflow/pg';
import { createTestDatabase, type TestDatabase } from '@orderflow/testkit';
import { startApp, type RunningApp } from './processes.ts';

const ORDER_API_MIGRATIONS = fileURLToPath(new URL('../../../order-api/migrations', import.meta.url));

/** The source of truth the board follows: order-api (its database and outbox relay) on a database and vhost of the test's own. */
export interface OrderSource {
  db: TestDatabase;
  pool: Pool;
  api: RunningApp;
  /** Places `count` orders through order-api's HTTP API; their ids. */
  createOrders(count: number, options?: { concurrency?: number }): Promise<string[]>;
  /**
   * Records status changes in one transaction through `@orderflow/order-status`, as
   * payment-worker does (outbox rows, pg_notify); resolves after COMMIT with its time (epoch ms)
   * and each change's outcome and new version.
   */
  changeStatuses(changes: readonly StatusChange[]): Promise<{ committedAt: number; results: StatusChangeResult[] }>;
  /** Every order's status and version, from the database. */
  statuses(): Promise<Map<string, { status: string; version: number }>>;
  close(): Promise<void>;
}

export async function startOrderSource(rabbitmqUrl: string): Promise<OrderSource> {
  const db = await createTestDatabase('dashboard_test');
  const pool = createPool(db.url, { max: 4 });
  await migrate(pool, { dir: ORDER_API_MIGRATIONS, table: 'order_api_migrations' });
  const api = await startApp('order-api', { DATABASE_URL: db.url, RABBITMQ_URL: rabbitmqUrl, MIGRATE_ON_START: 'true', RELAY_POLL_INTERVAL_MS: '200' });
  let placed = 0;
  return {
    db,
    pool,
    api,
    async createOrders(count, options = {}) {
      const ids: string[] = new Array<string>(count);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const i = next++;
          const res = await fetch(`${api.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `board-${process.pid}-${placed + i}` },
            body: JSON.stringify({ customerId: `c-${i % 7}`, region: (['eu', 'us', 'asia'] as const)[i % 3], priority: i % 5 === 0 ? 'high' : 'normal', currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 1 + (i % 3), unitPriceMinor: 1999 }] }),
          });
          if (res.status !== 201) throw new Error(`POST /orders: ${res.status} ${await res.text()}`);
          ids[i] = ((await res.json()) as { id: string }).id;
        }
      };
      await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
      placed += count;
      return ids;
    },
    async changeStatuses(changes) {
      const results = await withTransaction(pool, (client) => recordStatusChanges(client, changes));
      return { committedAt: Date.now(), results };
    },
    async statuses() {
      const { rows } = await pool.query<{ id: string; status: string; version: number }>('select id, status, version from orders');
      return new Map(rows.map((r) => [r.id, { status: r.status, version: r.version }]));
    },
    async close() {
      await api.stop();
      await pool.end();
      await db.drop();
    },
  };
}
