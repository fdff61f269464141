import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, orderBody, type Harness } from './support/harness.ts';
import { undeclaredResponses } from './support/openapi-coverage.ts';

// The HTTP surface through inject(), on a real, freshly migrated PostgreSQL database.
describe('order-api HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('creates an order, stores it with its history and its order.created outbox row in one go', async () => {
    const res = await post(orderBody({ region: 'asia', priority: 'high' }));
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({ status: 'accepted', region: 'asia', priority: 'high', currency: 'EUR', totalMinor: 2500, version: 1 });
    expect(res.headers.location).toBe(`/orders/${order.id}`);

    const history = await h.pool.query('select status from order_status_history where order_id = $1', [order.id]);
    expect(history.rows).toEqual([{ status: 'accepted' }]);
    const outbox = await h.pool.query('select exchange, routing_key, event_type, headers, payload, published_at from outbox where aggregate_id = $1', [order.id]);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({
      exchange: 'orders',
      routing_key: 'order.created',
      event_type: 'order.created',
      headers: { priority: 'high', region: 'asia', 'x-orderflow-order-id': order.id },
      published_at: null,
    });
    expect(outbox.rows[0].payload.order).toMatchObject({ id: order.id, totalMinor: 2500 });

    const got = await h.app.inject({ url: `/orders/${order.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(order);
  });

  it('answers bad input with 4xx and a stable code', async () => {
    const cases: [string, Awaited<ReturnType<typeof post>>, number, string][] = [
      ['malformed JSON', await post('{"customerId": "c-1",'), 400, 'HTTP_ERR_MALFORMED_JSON'],
      ['missing field', await post(orderBody({ items: undefined })), 400, 'HTTP_ERR_VALIDATION'],
      ['wrong type', await post(orderBody({ items: [{ sku: 'A-1', quantity: '2', unitPriceMinor: 100 }] })), 400, 'HTTP_ERR_VALIDATION'],
      ['negative price', await post(orderBody({ items: [{ sku: 'A-1', quantity: 1, unitPriceMinor: -1 }] })), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown field', await post(orderBody({ discount: 50 })), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown region', await post(orderBody({ region: 'mars' })), 400, 'HTTP_ERR_VALIDATION'],
      ['malformed currency', await post(orderBody({ currency: 'euro' })), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown currency', await post(orderBody({ currency: 'XYZ' })), 422, 'ORDERS_ERR_UNSUPPORTED_CURRENCY'],
      ['oversized body', await post(orderBody({ customerId: 'c'.repeat(20_000) })), 413, 'HTTP_ERR_BODY_TOO_LARGE'],
      ['not JSON', await h.app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'HTTP_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['bad order id', await h.app.inject({ url: '/orders/not-a-uuid' }), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown order', await h.app.inject({ url: `/orders/${randomUUID()}` }), 404, 'ORDERS_ERR_NOT_FOUND'],
      ['bad cursor', await h.app.inject({ url: '/orders?customerId=c-1&cursor=abc' }), 400, 'ORDERS_ERR_INVALID_CURSOR'],
      ['bad limit', await h.app.inject({ url: '/orders?limit=1000' }), 400, 'HTTP_ERR_VALIDATION'],
    ];
    for (const [what, res, status, code] of cases) {
      expect({ what, status: res.statusCode, code: res.json().code }).toEqual({ what, status, code });
      expect(res.json().statusCode).toBe(status);
      expect(typeof res.json().message).toBe('string');
    }
    const missing = (await post(orderBody({ items: undefined }))).json();
    expect(missing.details.errors[0].message).toMatch(/items/);
  });

  it('returns the same order for a repeated Idempotency-Key and never creates a second', async () => {
    const key = `key-${randomUUID()}`;
    const first = await post(orderBody({ customerId: 'idem' }), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    const again = await post(orderBody({ customerId: 'idem' }), { 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);

    // Concurrent repeats (same batch and across batches) still make exactly one order.
    const key2 = `key-${randomUUID()}`;
    const burst = await Promise.all(Array.from({ length: 50 }, () => post(orderBody({ customerId: 'burst' }), { 'idempotency-key': key2 })));
    const ids = new Set(burst.map((r) => r.json<{ id: string }>().id));
    expect(ids.size).toBe(1);
    expect(burst.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const rows = await h.pool.query('select count(*)::int as n from orders where idempotency_key = $1', [key2]);
    expect(rows.rows[0].n).toBe(1);
    const outbox = await h.pool.query('select count(*)::int as n from outbox where aggregate_id = $1', [[...ids][0]]);
    expect(outbox.rows[0].n).toBe(1);

    const reused = await post(orderBody({ customerId: 'idem', currency: 'USD' }), { 'idempotency-key': key });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('ORDERS_ERR_IDEMPOTENCY_KEY_REUSED');
  });

  it('pages through every order exactly once, newest first, with filters', async () => {
    const customer = `pager-${randomUUID()}`;
    // Created concurrently, so many share one created_at (one batch): the id tie-break matters.
    const created = await Promise.all(Array.from({ length: 23 }, () => post(orderBody({ customerId: customer }))));
    expect(created.every((r) => r.statusCode === 201)).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/orders?customerId=${customer}&limit=5${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await h.app.inject({ url });
      expect(page.statusCode).toBe(200);
      const body = page.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...body.items.map((o) => o.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set(created.map((r) => r.json<{ id: string }>().id)));

    const byStatus = await h.app.inject({ url: `/orders?customerId=${customer}&status=paid` });
    expect(byStatus.json()).toEqual({ items: [], nextCursor: null });
  });

  it('serves an OpenAPI document, health, readiness and metrics', async () => {
    const doc = (await h.app.inject({ url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { required: string[] } }> } } }> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}']));
    expect(doc.paths['/orders']!.post.requestBody.content['application/json']!.schema.required).toEqual(
      expect.arrayContaining(['customerId', 'region', 'currency', 'items']),
    );
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
    const metrics = (await h.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/orders_accepted_total\{outcome="created"\} \d+/);
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/orders",status_code="201"\}/);
    expect(metrics).toMatch(/outbox_pending_rows \d+/);
  });

  it('declares in /openapi.json every response the tests above received', async () => {
    expect(await undeclaredResponses(h.app, h.responses)).toEqual([]);
  });
});
