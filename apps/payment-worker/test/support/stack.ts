import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createPool, migrate, type Pool } from '@orderflow/pg';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import pg from 'pg';

const ORDER_API_MIGRATIONS = fileURLToPath(new URL('../../../order-api/migrations', import.meta.url));
const WORKER_MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A fresh database with the order-api and payment-worker schemas, dropped afterwards. */
export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: stackSetting('DATABASE_URL') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(prefix = 'payment_worker_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  await admin(`create database ${name}`);
  const url = new URL(stackSetting('DATABASE_URL'));
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 4 });
  await migrate(pool, { dir: ORDER_API_MIGRATIONS, table: 'order_api_migrations' });
  await migrate(pool, { dir: WORKER_MIGRATIONS, table: 'payment_worker_migrations' });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      // An autovacuum worker (another role) may still be in the database after a bulk load;
      // FORCE cannot end it, so wait for it to finish.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin(`drop database if exists ${name} with (force)`);
          return;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (attempt >= 40 || (code !== '42501' && code !== '55006')) throw err;
          await sleep(250);
        }
      }
    },
  };
}

function auth(): string {
  return `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;
}

/** Calls the RabbitMQ management API; throws on any non-2xx answer. */
export async function management(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api${path}`, {
    method,
    headers: { authorization: auth(), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text === '' ? undefined : JSON.parse(text);
}

/** A message as the management API shows it (`POST /queues/:vhost/:queue/get`). */
export interface PeekedMessage {
  payload: string;
  properties: { message_id?: string; headers?: Record<string, unknown> };
}

/** A fresh vhost, so a test file's topology never meets another's. */
export interface TestVhost {
  name: string;
  url: string;
  messages(queue: string): Promise<number>;
  /** Reads up to `count` messages and puts them back (management API, requeue). */
  peek(queue: string, count: number): Promise<PeekedMessage[]>;
  drop(): Promise<void>;
}

export async function createVhost(prefix = 'payment-worker-test'): Promise<TestVhost> {
  const name = uniqueName(prefix);
  const v = encodeURIComponent(name);
  await management('PUT', `/vhosts/${v}`);
  await management('PUT', `/permissions/${v}/${encodeURIComponent(stackSetting('RABBITMQ_USER'))}`, { configure: '.*', write: '.*', read: '.*' });
  const base = new URL(stackSetting('RABBITMQ_URL'));
  base.pathname = `/${v}`;
  return {
    name,
    url: base.toString(),
    async messages(queue) {
      // The management API's counts lag by a stats interval; reading them is for waitFor probes.
      const q = (await management('GET', `/queues/${v}/${encodeURIComponent(queue)}`)) as { messages?: number };
      return q.messages ?? 0;
    },
    async peek(queue, count) {
      return (await management('POST', `/queues/${v}/${encodeURIComponent(queue)}/get`, {
        count,
        ackmode: 'ack_requeue_true',
        encoding: 'auto',
        truncate: 50_000,
      })) as PeekedMessage[];
    },
    async drop() {
      await management('DELETE', `/vhosts/${v}`);
    },
  };
}
