import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portForwardTo, type PortForward } from './port-forward.ts';

// catalog-api of the platform's release (charts/orderflow, catalogApi.enabled in the dev values)
// with the cluster's PostgreSQL and Redis, reached through kubectl port-forward.
describe('catalog-api on kind', () => {
  let forward: PortForward;
  beforeAll(async () => {
    forward = await portForwardTo('catalog-api');
  });
  afterAll(() => forward?.close());

  it('is ready and answers a product created through it, from the database and then from Redis', async () => {
    const ready = await fetch(`${forward.url}/readyz`);
    expect(ready.status).toBe(200);

    const sku = `KIND-${randomUUID().slice(0, 8).toUpperCase()}`;
    const created = await fetch(`${forward.url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku, name: 'Kind test product', category: 'kind-test', priceMinor: 1999, currency: 'EUR', stock: 7 }),
    });
    expect(created.status).toBe(201);

    const first = await fetch(`${forward.url}/products/${sku}`);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sku, name: 'Kind test product', priceMinor: 1999, currency: 'EUR', stock: 7 });
    // Cached in the cluster's Redis by now (written through on create, or filled by the read above).
    const second = await fetch(`${forward.url}/products/${sku}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await second.json()).toMatchObject({ sku, stock: 7 });
  });
});
