import { createMetricsRegistry } from '@orderflow/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProviderConfig } from './config.ts';
import { Faults } from './faults.ts';
import { ChargeLedger } from './ledger.ts';
import { RequestLog } from './request-log.ts';
import { buildServer } from './server.ts';

const TOKEN = 'test-admin-token-0123456789';

function setup(failureRate = 0, random: () => number = Math.random) {
  const config = loadProviderConfig({ PROVIDER_ADMIN_TOKEN: TOKEN });
  const ledger = new ChargeLedger();
  const requests = new RequestLog();
  const delays: number[] = [];
  const app = buildServer(config, {
    ledger,
    requests,
    faults: new Faults({ latencyMs: 0, jitterMs: 0, failureRate }, { random }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    delay: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  return { app, ledger, requests, delays };
}

const auth = { authorization: `Bearer ${TOKEN}` };

const charge = (key: string | undefined, body: object = { amountMinor: 2599, currency: 'EUR' }) => ({
  method: 'POST' as const,
  url: '/charges',
  headers: key === undefined ? {} : { 'idempotency-key': key },
  payload: body,
});

describe('payment provider', () => {
  let app: ReturnType<typeof setup>['app'] | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it('charges once per idempotency key and replays the same charge', async () => {
    const s = setup();
    app = s.app;
    const first = await app.inject(charge('order-1'));
    expect(first.statusCode).toBe(201);
    const second = await app.inject(charge('order-1'));
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);

    const fetched = await app.inject({ method: 'GET', url: `/charges/${first.json<{ id: string }>().id}`, headers: auth });
    expect(fetched.json()).toMatchObject({ idempotencyKey: 'order-1', amountMinor: 2599, currency: 'EUR', status: 'succeeded' });

    const ledger = await app.inject({ method: 'GET', url: '/ledger', headers: auth });
    expect(ledger.json()).toMatchObject({ charges: 1, requests: 2, entries: [{ idempotencyKey: 'order-1', requests: 2 }] });
    const summary = (await app.inject({ method: 'GET', url: '/ledger/summary' })).json<{ charges: number; requests: number; firstChargeAt: number }>();
    expect(summary).toMatchObject({ charges: 1, requests: 2 });
    expect(summary.firstChargeAt).toBeGreaterThan(0);
  });

  it('answers every mistake with a stable code', async () => {
    const s = setup();
    app = s.app;
    const noKey = await app.inject(charge(undefined));
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json()).toMatchObject({ code: 'PROVIDER_ERR_IDEMPOTENCY_KEY_REQUIRED' });

    const bad = await app.inject(charge('k', { amountMinor: -1, currency: 'euro' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HTTP_ERR_VALIDATION' });

    await app.inject(charge('k2'));
    const reused = await app.inject(charge('k2', { amountMinor: 1, currency: 'EUR' }));
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'PROVIDER_ERR_IDEMPOTENCY_KEY_REUSED' });

    const missing = await app.inject({ method: 'GET', url: '/charges/ch_nope', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'PROVIDER_ERR_CHARGE_NOT_FOUND' });
  });

  it('injects outages as retriable 503s without charging', async () => {
    const s = setup(1);
    app = s.app;
    const res = await app.inject(charge('order-2'));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ code: 'PROVIDER_ERR_UNAVAILABLE' });
    expect(s.ledger.size).toBe(0);
  });

  it('changes latency and failure rate at runtime behind the admin token', async () => {
    const s = setup(0, () => 0.5);
    app = s.app;
    const denied = await app.inject({ method: 'PUT', url: '/admin/faults', payload: { failureRate: 1 } });
    expect(denied.statusCode).toBe(401);
    expect(denied.json()).toMatchObject({ code: 'PROVIDER_ERR_UNAUTHORIZED' });

    const set = await app.inject({ method: 'PUT', url: '/admin/faults', headers: auth, payload: { failureRate: 0.6, latencyMs: 7, jitterMs: 2 } });
    expect(set.json()).toEqual({ failureRate: 0.6, latencyMs: 7, jitterMs: 2 });
    // random() = 0.5 < 0.6, so this request fails; latency 7 + floor(0.5 * 3) = 8.
    expect((await app.inject(charge('order-3'))).statusCode).toBe(503);
    expect(s.delays).toEqual([8]);

    await app.inject({ method: 'PUT', url: '/admin/faults', headers: auth, payload: { failureRate: 0 } });
    expect((await app.inject(charge('order-3'))).statusCode).toBe(201);

    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/provider_charge_requests_total\{outcome="failed"\} 1/);
    expect(metrics.body).toMatch(/provider_charge_requests_total\{outcome="created"\} 1/);
    expect(metrics.body).toMatch(/http_requests_total\{method="POST",route="\/charges",status_code="503"\} 1/);

    expect((await app.inject({ method: 'DELETE', url: '/ledger', headers: auth })).statusCode).toBe(204);
    expect(s.ledger.size).toBe(0);
  });

  it('keeps the ledger, charge lookups and request counts behind the admin token (401 coded), the summary open', async () => {
    const s = setup();
    app = s.app;
    const created = (await app.inject(charge('order-9'))).json<{ id: string }>();
    for (const url of ['/ledger', '/ledger?key=order-9', `/charges/${created.id}`, '/admin/charge-requests']) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token-wrong' }, { authorization: TOKEN }]) {
        const res = await app.inject({ method: 'GET', url, headers });
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json()).toMatchObject({ code: 'PROVIDER_ERR_UNAUTHORIZED' });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.body).not.toContain('order-9');
      }
      expect((await app.inject({ method: 'GET', url, headers: auth })).statusCode).toBe(200);
    }
    const summary = await app.inject({ method: 'GET', url: '/ledger/summary' });
    expect(summary.statusCode).toBe(200);
    expect(summary.json()).toMatchObject({ charges: 1, requests: 1 });
    expect(summary.body).not.toContain('order-9');
  });

  it('counts every charge request it received, refused ones included, per idempotency key', async () => {
    const s = setup();
    app = s.app;
    await app.inject(charge('order-a'));
    await app.inject(charge('order-a'));
    // Refused by validation (a free order's amount) and without a key: still received.
    expect((await app.inject(charge('order-b', { amountMinor: 0, currency: 'EUR' }))).statusCode).toBe(400);
    await app.inject(charge(undefined));
    const counts = await app.inject({ method: 'GET', url: '/admin/charge-requests', headers: auth });
    expect(counts.json()).toEqual({ total: 4, byKey: { 'order-a': 2, 'order-b': 1, '': 1 } });
    const one = await app.inject({ method: 'GET', url: '/admin/charge-requests?key=order-b', headers: auth });
    expect(one.json()).toEqual({ total: 1, byKey: { 'order-b': 1 } });
    expect(s.ledger.size).toBe(1);
  });

  it('refuses admin calls when no token is configured', async () => {
    const config = loadProviderConfig({});
    app = buildServer(config, { ledger: new ChargeLedger(), requests: new RequestLog(), faults: new Faults({ latencyMs: 0, jitterMs: 0, failureRate: 0 }), registry: createMetricsRegistry({ defaultMetrics: false }) });
    const res = await app.inject({ method: 'GET', url: '/admin/faults', headers: { authorization: 'Bearer anything-at-all-here' } });
    expect(res.statusCode).toBe(403);
    const book = await app.inject({ method: 'GET', url: '/ledger', headers: { authorization: 'Bearer anything-at-all-here' } });
    expect(book.statusCode).toBe(403);
    expect(book.json()).toMatchObject({ code: 'PROVIDER_ERR_ADMIN_FORBIDDEN' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});
