import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// PostgreSQL goes away (a TCP proxy in front of it is closed): reads answer the last cached
// version marked stale while the breaker is open; nothing cached means a coded 503.
describe('catalog-api while PostgreSQL is down', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ proxyPostgres: true, ttlMs: 300, jitterMs: 0, breakerThreshold: 2, halfOpenAfterMs: 1_000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the last cached value marked stale, refuses writes with a coded 503, and recovers', async () => {
    const body = productBody();
    const created = await h.app.inject({ method: 'POST', url: '/products', payload: body });
    expect(created.statusCode).toBe(201);
    const neverCached = productBody();
    await h.admin.query(`insert into products (sku, name, category, price_minor, currency, stock) values ($1, 'Uncached', 'kitchen', 1, 'EUR', 1)`, [neverCached.sku]);

    await h.pgProxy!.close();

    // Once the fresh copy has expired, the read goes to the database, fails, and answers the stale copy.
    const stale = await waitFor(
      async () => {
        const res = await h.app.inject({ url: `/products/${body.sku}` });
        return res.headers['x-cache'] === 'stale' ? res : undefined;
      },
      { what: 'a stale answer', timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toEqual(created.json());
    expect(stale.headers.warning).toBe('110 - "Response is Stale"');

    const unavailable = await h.app.inject({ url: `/products/${neverCached.sku}` });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json().code).toBe('CATALOG_ERR_UNAVAILABLE');
    expect(unavailable.headers['retry-after']).toBe('1');

    await waitFor(async () => (await h.metric('catalog_db_breaker_state')) === 2, { what: 'the breaker to open' });
    // While open, reads keep answering stale without waiting on the database.
    for (let i = 0; i < 20; i++) {
      const res = await h.app.inject({ url: `/products/${body.sku}` });
      expect([res.statusCode, res.headers['x-cache']]).toEqual([200, 'stale']);
    }
    expect(await h.metric('catalog_cache_requests_total', { entity: 'product', outcome: 'stale' })).toBeGreaterThanOrEqual(21);

    const { sku: _sku, ...fields } = body;
    const write = await h.app.inject({ method: 'PUT', url: `/products/${body.sku}`, payload: { ...fields, stock: 0 } });
    expect(write.statusCode).toBe(503);
    expect(write.json().code).toBe('CATALOG_ERR_WRITE_FAILED');

    await h.pgProxy!.open();
    const fresh = await waitFor(
      async () => {
        const res = await h.app.inject({ url: `/products/${neverCached.sku}` });
        return res.statusCode === 200 ? res : undefined;
      },
      { what: 'the database to answer again', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(fresh.json()).toMatchObject({ name: 'Uncached' });
    expect(['miss', 'hit']).toContain((await h.app.inject({ url: `/products/${body.sku}` })).headers['x-cache']);
    expect(await h.metric('catalog_db_breaker_state')).toBe(0);
  });
});
