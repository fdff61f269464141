import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { shutdown } from '../src/shutdown.ts';
import { Gates, gatedRepository } from './support/gated-repository.ts';
import { createHarness, productBody, testLogger, type Harness } from './support/harness.ts';

// SIGTERM's drain: a request in flight when shutdown starts is answered (its database query
// and cache write complete) before the pool and Redis close; readiness says draining.
describe('catalog-api graceful shutdown', () => {
  const gates = new Gates();
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ Repository: gatedRepository(gates) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers the request in flight, then closes Redis and the pool', async () => {
    const body = productBody();
    await h.admin.query(`insert into products (sku, name, category, price_minor, currency, stock) values ($1, 'Last', 'kitchen', 1, 'EUR', 1)`, [body.sku]);
    // A real listening server: inject() bypasses the socket that close() waits for.
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const held = gates.holdNext('find', body.sku);
    const inFlight = fetch(`${address}/products/${body.sku}`);
    await held.reached;

    const stopping = shutdown({ app: h.app, pool: h.pool, redis: h.redis, logger: testLogger() });
    await waitFor(async () => (await h.app.inject({ url: '/readyz' })).statusCode === 503, { what: 'readiness to fail while draining' });
    expect(h.pool.ended).toBe(false);
    held.release();

    const res = await inFlight;
    expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'miss']);
    expect(await res.json()).toMatchObject({ sku: body.sku, name: 'Last' });
    await stopping;
    expect(h.pool.ended).toBe(true);
    // quit() resolves on Redis's OK; the socket closes just after.
    await waitFor(() => h.redis.status === 'end', { what: 'the Redis connection to end' });
    // Its cache write landed before Redis closed.
    expect(await h.redisAdmin.get(h.parts.cache.freshKey('product', body.sku))).toMatch(/^1:\{/);
  });
});
