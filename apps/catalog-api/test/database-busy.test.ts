import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// A busy database is not a down one: when every pool connection is taken by a slow query,
// the next reads wait their turn instead of failing on the pool's connect timeout (which
// would also count against the breaker and open it).
describe('catalog-api while PostgreSQL is busy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ dbPoolMax: 2, dbConnectTimeoutMs: 300, breakerThreshold: 2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reads queue for a connection and all succeed once the slow queries finish; the breaker stays closed', async () => {
    const skus = Array.from({ length: 6 }, () => productBody().sku);
    for (const sku of skus) {
      await h.admin.query(`insert into products (sku, name, category, price_minor, currency, stock) values ($1, 'Busy', 'kitchen', 1, 'EUR', 1)`, [sku]);
    }
    // The test's own transaction makes every products query wait: the two pool connections
    // are taken by the first two reads, the other four need a connection.
    const locker = await h.admin.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table products in access exclusive mode');
      const reads = skus.map((sku) => h.app.inject({ url: `/products/${sku}` }));
      await waitFor(
        async () => {
          const { rows } = await h.admin.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
          return rows[0]!.n === 2;
        },
        { what: 'two reads blocked on the lock' },
      );
      // Hold the lock for well past the pool's connect timeout (300 ms): that is the situation.
      await sleep(1_500);
      await locker.query('commit');
      const responses = await Promise.all(reads);
      expect(responses.map((r) => r.statusCode)).toEqual(skus.map(() => 200));
    } finally {
      locker.release();
    }
    expect(await h.metric('catalog_db_breaker_state')).toBe(0);
    expect(await h.metric('catalog_db_queries_total', { outcome: 'error' })).toBe(0);
  });
});
