import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { Gates, gatedRepository } from './support/gated-repository.ts';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// A thousand concurrent requests for a cold key: one database query. The first load is held
// (after its real query) until every request has either joined it or started a query of its
// own, so the requests are known to overlap; nothing is timed.
describe('catalog-api single-flight', () => {
  const gates = new Gates();
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ Repository: gatedRepository(gates) });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function burst(url: string, op: string, sku: string, entity: string) {
    const joinedBefore = await h.metric('catalog_singleflight_joined_total', { entity });
    const first = gates.holdNext(op, sku);
    const requests = Array.from({ length: 1_000 }, () => h.app.inject({ url }));
    await waitFor(async () => gates.started(op, sku) + (await h.metric('catalog_singleflight_joined_total', { entity })) - joinedBefore >= 1_000, {
      what: 'all 1000 requests to join the load or start their own',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    first.release();
    return Promise.all(requests);
  }

  it('1000 concurrent reads of a cold product cause one database query', async () => {
    const body = productBody();
    await h.admin.query(`insert into products (sku, name, category, price_minor, currency, stock) values ($1, 'Cold', 'kitchen', 700, 'EUR', 1)`, [body.sku]);
    const before = await h.dbQueries('find');
    const responses = await burst(`/products/${body.sku}`, 'find', body.sku, 'product');
    expect(responses.every((r) => r.statusCode === 200 && r.json().name === 'Cold')).toBe(true);
    expect(new Set(responses.map((r) => r.headers['x-cache']))).toEqual(new Set(['miss']));
    expect((await h.dbQueries('find')) - before).toBe(1);
    // And afterwards it is cached: no further query.
    expect((await h.app.inject({ url: `/products/${body.sku}` })).headers['x-cache']).toBe('hit');
    expect((await h.dbQueries('find')) - before).toBe(1);
  });

  it('1000 concurrent reads of cold details cause one summary query', async () => {
    const body = productBody();
    await h.app.inject({ method: 'POST', url: '/products', payload: body });
    await h.admin.query(`insert into product_reviews (sku, rating) select $1, 1 + (g % 5) from generate_series(1, 100) g`, [body.sku]);
    const before = await h.dbQueries('summary');
    const responses = await burst(`/products/${body.sku}/details`, 'summary', body.sku, 'summary');
    expect(responses.every((r) => r.statusCode === 200 && r.json().summary.reviews.count === 100)).toBe(true);
    expect((await h.dbQueries('summary')) - before).toBe(1);
  });
});
