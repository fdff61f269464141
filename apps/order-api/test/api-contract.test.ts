import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, orderBody, type Harness } from './support/harness.ts';
import { undeclaredResponses } from './support/openapi-coverage.ts';

// Issue 8 items 12a and 13: who may list orders, and an OpenAPI document that declares what the
// API really answers (and 405, not 404, for a method a known path does not have).
describe('order-api contract', () => {
  const adminToken = randomBytes(24).toString('hex');
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adminToken });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (customerId: string) =>
    h.app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(orderBody({ customerId })) });

  it("lists one customer's orders with customerId, every customer's only with the admin token", async () => {
    const alice = `alice-${randomUUID()}`;
    const bob = `bob-${randomUUID()}`;
    for (const c of [alice, alice, bob]) expect((await post(c)).statusCode).toBe(201);

    const mine = await h.app.inject({ url: `/orders?customerId=${alice}` });
    expect(mine.statusCode).toBe(200);
    expect(mine.json<{ items: { customerId: string }[] }>().items.map((o) => o.customerId)).toEqual([alice, alice]);

    const everyone = await h.app.inject({ url: '/orders' });
    expect(everyone.statusCode).toBe(401);
    expect(everyone.headers['www-authenticate']).toBe('Bearer realm="order-api"');
    expect(everyone.json()).toMatchObject({ code: 'ORDERS_ERR_ADMIN_TOKEN_REQUIRED', statusCode: 401 });

    const wrong = await h.app.inject({ url: '/orders', headers: { authorization: `Bearer ${adminToken.slice(0, -1)}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'ORDERS_ERR_INVALID_TOKEN' });
    // A wrong token is refused even with a filter: a caller learns at once that it is wrong.
    expect((await h.app.inject({ url: `/orders?customerId=${alice}`, headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);

    const admin = await h.app.inject({ url: '/orders?limit=100', headers: { authorization: `Bearer ${adminToken}` } });
    expect(admin.statusCode).toBe(200);
    const customers = new Set(admin.json<{ items: { customerId: string }[] }>().items.map((o) => o.customerId));
    expect(customers).toEqual(new Set([alice, bob]));
  });

  it('without a configured admin token nobody lists every customer', async () => {
    const open = await createHarness();
    try {
      expect((await open.app.inject({ url: '/orders' })).json()).toMatchObject({ code: 'ORDERS_ERR_ADMIN_TOKEN_REQUIRED' });
      expect((await open.app.inject({ url: '/orders', headers: { authorization: `Bearer ${adminToken}` } })).json()).toMatchObject({ code: 'ORDERS_ERR_INVALID_TOKEN' });
    } finally {
      await open.close();
    }
  });

  it('answers a method a known path does not have with 405 and Allow; an unknown path stays 404', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/orders', 'GET, HEAD, POST'],
      ['PUT', '/orders', 'GET, HEAD, POST'],
      ['PATCH', `/orders/${randomUUID()}`, 'GET, HEAD'],
      ['DELETE', `/orders/${randomUUID()}`, 'GET, HEAD'],
      ['POST', '/readyz', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await h.app.inject({ method: method as 'DELETE', url });
      expect({ method, url, status: res.statusCode, allow: res.headers.allow, code: res.json().code }).toEqual({ method, url, status: 405, allow, code: 'HTTP_ERR_METHOD_NOT_ALLOWED' });
    }
    expect((await h.app.inject({ method: 'DELETE', url: '/nowhere' })).statusCode).toBe(404);
  });

  it('declares in /openapi.json every response these requests received, each error with the Error schema', async () => {
    const json = { 'content-type': 'application/json' };
    await h.app.inject({ method: 'POST', url: '/orders', headers: json, payload: '{"customerId":' }); // 400
    await h.app.inject({ method: 'POST', url: '/orders', headers: json, payload: JSON.stringify(orderBody({ customerId: 'c'.repeat(20_000) })) }); // 413
    await h.app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'text/plain' }, payload: 'x' }); // 415
    await h.app.inject({ method: 'POST', url: '/orders', headers: json, payload: JSON.stringify(orderBody({ currency: 'XYZ' })) }); // 422
    await h.app.inject({ url: `/orders/${randomUUID()}` }); // 404
    await h.app.inject({ url: '/orders/nope' }); // 400
    await h.app.inject({ url: '/orders?cursor=abc&customerId=x' }); // 400
    await h.app.inject({ url: '/healthz' });
    await h.app.inject({ url: '/readyz' });
    expect(h.responses.length).toBeGreaterThan(10);
    expect(await undeclaredResponses(h.app, h.responses)).toEqual([]);
  });
});
