import { fileURLToPath } from 'node:url';
import { AmqpConnection } from '@orderflow/messaging';
import { createPool, migrate, type Pool } from '@orderflow/pg';
import { createTestDatabase, createTestVhost, type TestVhost } from '@orderflow/testkit';

export type { TestVhost } from '@orderflow/testkit';

const ORDER_API_MIGRATIONS = fileURLToPath(new URL('../../../order-api/migrations', import.meta.url));
const WORKER_MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A fresh database with the order-api and payment-worker schemas, dropped afterwards. */
export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

export async function createDatabase(prefix = 'payment_worker_test'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const pool = createPool(db.url, { max: 4 });
  await migrate(pool, { dir: ORDER_API_MIGRATIONS, table: 'order_api_migrations' });
  await migrate(pool, { dir: WORKER_MIGRATIONS, table: 'payment_worker_migrations' });
  return {
    url: db.url,
    pool,
    async drop() {
      await pool.end();
      await db.drop();
    },
  };
}

/** A fresh vhost for one test file or benchmark run. */
export function createVhost(prefix = 'payment-worker-test'): Promise<TestVhost> {
  return createTestVhost(prefix);
}

/** Ready messages per queue right now (a passive declare each: exact, unlike the management API's sampled counts). */
export async function queueDepths(rabbitUrl: string, queues: readonly string[]): Promise<Record<string, number>> {
  const connection = await AmqpConnection.open(rabbitUrl, { name: 'payment-worker-test-depths' });
  try {
    const channel = await connection.createChannel();
    const depths: Record<string, number> = {};
    for (const queue of queues) depths[queue] = (await channel.checkQueue(queue)).messageCount;
    await channel.close();
    return depths;
  } finally {
    await connection.close();
  }
}
