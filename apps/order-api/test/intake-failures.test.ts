import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackSetting, waitFor } from '@orderflow/testkit';
import { createPool, type Pool } from '@orderflow/pg';
import { OrderWriter } from '../src/intake/order-writer.ts';
import { newOrder } from '../src/intake/new-order.ts';
import { createHarness, orderBody, type Harness } from './support/harness.ts';
import { undeclaredResponses } from './support/openapi-coverage.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

// Issue 8 item 7: concurrent batches sharing Idempotency-Keys, and PostgreSQL going away under
// order-api. Both answer with coded errors only, never PostgreSQL's own text, and lose nothing.
describe('intake: concurrent batches with the same keys', () => {
  let h: Harness;
  const pools: Pool[] = [];

  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
    await h?.close();
  });

  it('two batches holding the same keys in reverse order both complete (no deadlock), one order per key', async () => {
    // Two writers on two pools: two order-api replicas, each turning its requests into one INSERT.
    const writers = [0, 1].map(() => {
      const pool = createPool(h.db.url, { max: 2 });
      pools.push(pool);
      return new OrderWriter(pool, { maxBatch: 1_000, maxConcurrentWrites: 1 });
    });
    for (const p of pools) await p.query('select 1'); // connections open before the race
    const failures: string[] = [];
    for (let round = 0; round < 4; round++) {
      const keys = Array.from({ length: 400 }, (_, i) => `dl-${round}-${String(i).padStart(4, '0')}-${randomUUID()}`);
      const submit = (w: OrderWriter, ks: string[]) => ks.map((k) => w.submit(newOrder(orderBody({ customerId: 'deadlock' }) as never, k)));
      const settled = await Promise.allSettled([...submit(writers[0]!, keys), ...submit(writers[1]!, [...keys].reverse())]);
      const byKey = new Map<string, Set<string>>();
      settled.forEach((r, i) => {
        if (r.status === 'rejected') {
          failures.push((r.reason as Error).message);
          return;
        }
        const key = i < keys.length ? keys[i]! : [...keys].reverse()[i - keys.length]!;
        byKey.set(key, (byKey.get(key) ?? new Set()).add((r.value).order.id));
      });
      expect(failures).toEqual([]);
      expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
      const stored = await h.pool.query<{ n: number }>('select count(*)::int as n from orders where idempotency_key = any($1::text[])', [keys]);
      expect(stored.rows[0]!.n).toBe(keys.length);
    }
  });
});

describe('intake: PostgreSQL down under order-api', () => {
  let h: Harness;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const pg = new URL(stackSetting('DATABASE_URL'));
    proxy = new TcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    await proxy.open();
    h = await createHarness({
      poolUrl: (url) => {
        const u = new URL(url);
        u.host = proxy.address;
        return u.toString();
      },
    });
  });
  afterAll(async () => {
    await proxy?.open().catch(() => undefined);
    await h?.close();
    await proxy?.close();
  });

  const post = (key: string) => h.app.inject({ method: 'POST', url: '/orders', headers: { 'idempotency-key': key }, payload: orderBody({ customerId: 'pg-down' }) });
  /** Counted directly, not through the proxy. */
  const stored = async (key: string) => {
    const direct = createPool(h.db.url, { max: 1 });
    try {
      const { rows } = await direct.query<{ orders: number; outbox: number; history: number }>(
        `select (select count(*)::int from orders where idempotency_key = $1) as orders,
                (select count(*)::int from outbox o join orders x on x.id = o.aggregate_id where x.idempotency_key = $1) as outbox,
                (select count(*)::int from order_status_history s join orders x on x.id = s.order_id where x.idempotency_key = $1) as history`,
        [key],
      );
      return rows[0]!;
    } finally {
      await direct.end();
    }
  };

  it('answers a coded, retriable 503 without PostgreSQL text, writes nothing, and recovers when it is back', async () => {
    const warm = await post(`warm-${randomUUID()}`);
    expect(warm.statusCode).toBe(201);
    await proxy.close();
    const key = `down-${randomUUID()}`;
    const res = await post(key);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({
      code: 'ORDERS_ERR_NOT_STORED',
      statusCode: 503,
      message: 'the order was not stored: the database is unavailable; retry with the same Idempotency-Key',
    });
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    // Reads too: a retriable 503 with a fixed text, not a 500.
    const read = await h.app.inject({ url: `/orders/${warm.json<{ id: string }>().id}` });
    expect(read.statusCode).toBe(503);
    expect(read.json()).toEqual({ code: 'PG_ERR_UNAVAILABLE', statusCode: 503, message: 'PostgreSQL is unavailable: orders cannot be read right now; retry' });
    expect(await stored(key)).toEqual({ orders: 0, outbox: 0, history: 0 });

    await proxy.open();
    await waitFor(async () => (await h.app.inject({ url: '/readyz' })).statusCode === 200, { what: 'readiness after PostgreSQL is back' });
    const retry = await post(key);
    expect(retry.statusCode).toBe(201);
    expect(await stored(key)).toEqual({ orders: 1, outbox: 1, history: 1 });
    expect(await undeclaredResponses(h.app, h.responses)).toEqual([]);
  });
});
