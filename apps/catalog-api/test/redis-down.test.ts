import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// Redis goes away (a TCP proxy in front of it is closed, or stops answering): every request
// is still answered, from PostgreSQL, with a log line and a metric; nothing hangs.
describe('catalog-api while Redis is down', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ proxyRedis: true, redisCommandTimeoutMs: 200 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (sku: string) => h.app.inject({ url: `/products/${sku}` });

  it('answers from the database, counts and logs it, and catches up on writes made meanwhile', async () => {
    const body = productBody();
    await h.app.inject({ method: 'POST', url: '/products', payload: body });
    expect((await get(body.sku)).headers['x-cache']).toBe('hit');

    await h.redisProxy!.close();
    const before = await h.dbQueries('find');
    for (let i = 0; i < 5; i++) {
      const res = await get(body.sku);
      expect([res.statusCode, res.headers['x-cache']]).toEqual([200, 'bypass']);
      expect(res.json()).toMatchObject({ sku: body.sku, version: 1 });
    }
    expect((await h.dbQueries('find')) - before).toBe(5);
    expect(await h.metric('catalog_redis_errors_total', { op: 'get' })).toBeGreaterThanOrEqual(5);
    expect(await h.metric('catalog_cache_requests_total', { entity: 'product', outcome: 'bypass' })).toBe(5);
    // One line when Redis went away, not one per request.
    expect(h.logLines.filter((l) => l.includes('Redis is unavailable'))).toHaveLength(1);

    // A change while Redis is down reaches the database; the cache still holds version 1.
    const { sku: _sku, ...fields } = body;
    const updated = await h.app.inject({ method: 'PUT', url: `/products/${body.sku}`, payload: { ...fields, name: 'Changed during the outage' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ version: 2 });
    expect(await h.metric('catalog_cache_writes_total', { entity: 'product', outcome: 'unavailable' })).toBe(1);

    await h.redisProxy!.open();
    // Back: the missed write is replayed, so the cache never answers version 1 again.
    const back = await waitFor(
      async () => {
        const res = await get(body.sku);
        return res.headers['x-cache'] === 'hit' ? res : undefined;
      },
      { what: 'answers from the cache again', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(back.json()).toMatchObject({ version: 2, name: 'Changed during the outage' });
    await waitFor(() => h.logLines.some((l) => l.includes('Redis is back')), { what: 'a log line saying Redis is back' });
  });

  it('a Redis that stops answering costs at most the command timeout, never an error', async () => {
    const body = productBody();
    await h.app.inject({ method: 'POST', url: '/products', payload: body });
    await waitFor(async () => (await get(body.sku)).headers['x-cache'] === 'hit', { what: 'a cache hit' });
    h.redisProxy!.hold();
    try {
      const res = await get(body.sku);
      expect([res.statusCode, res.headers['x-cache']]).toEqual([200, 'bypass']);
      expect(res.json()).toMatchObject({ sku: body.sku });
    } finally {
      h.redisProxy!.release();
    }
  });
});
