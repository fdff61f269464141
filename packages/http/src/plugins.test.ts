import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { defineError } from '@orderflow/errors';
import { Registry } from 'prom-client';
import { codedErrorHandler } from './error-handler.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';

const Gone = defineError<[string]>({ code: 'HTTPTEST_ERR_GONE', message: (id) => `${id} is gone`, statusCode: 410 });
const Busy = defineError({ code: 'HTTPTEST_ERR_BUSY', message: 'busy', statusCode: 503, retriable: true });

async function build(checks: { name: string; check: () => Promise<void> }[] = []) {
  const registry = new Registry();
  const app = Fastify({ bodyLimit: 64 });
  await app.register(codedErrorHandler);
  await app.register(healthRoutes, { checks });
  await app.register(metricsRoutes, { registry });
  app.post(
    '/things',
    { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } }, additionalProperties: false } } },
    () => Promise.resolve({ ok: true }),
  );
  app.get('/gone/:id', (req) => Promise.reject(new Gone([(req.params as { id: string }).id])));
  app.get('/busy', () => Promise.reject(new Busy([])));
  app.get('/boom', () => Promise.reject(new Error('secret detail')));
  return { app, registry };
}

describe('codedErrorHandler', () => {
  it('maps coded errors, validation, bad JSON, oversized bodies, media type and unknown routes', async () => {
    const { app } = await build();
    const json = { 'content-type': 'application/json' };

    const gone = await app.inject({ method: 'GET', url: '/gone/o-1' });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toEqual({ code: 'HTTPTEST_ERR_GONE', message: 'o-1 is gone', statusCode: 410 });

    const busy = await app.inject({ method: 'GET', url: '/busy' });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');

    const invalid = await app.inject({ method: 'POST', url: '/things', headers: json, payload: '{"n":"x"}' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().code).toBe('HTTP_ERR_VALIDATION');
    expect(invalid.json().details.errors[0].path).toBe('/n');

    const malformed = await app.inject({ method: 'POST', url: '/things', headers: json, payload: '{"n":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('HTTP_ERR_MALFORMED_JSON');

    const big = await app.inject({ method: 'POST', url: '/things', headers: json, payload: JSON.stringify({ n: 1, pad: 'x'.repeat(200) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('HTTP_ERR_BODY_TOO_LARGE');

    const media = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'text/csv' }, payload: 'n\n1' });
    expect(media.statusCode).toBe(415);
    expect(media.json().code).toBe('HTTP_ERR_UNSUPPORTED_MEDIA_TYPE');

    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('HTTP_ERR_NOT_FOUND');

    const wrongMethod = await app.inject({ method: 'DELETE', url: '/gone/o-1?x=1' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    expect(wrongMethod.json()).toMatchObject({ code: 'HTTP_ERR_METHOD_NOT_ALLOWED', statusCode: 405 });
    expect((await app.inject({ method: 'PUT', url: '/things' })).headers.allow).toBe('POST');
    // A body method without a Content-Type fails fastify's body checks before any handler.
    const query = await app.inject({ method: 'QUERY' as 'GET', url: '/gone/o-1' });
    expect({ status: query.statusCode, allow: query.headers.allow }).toEqual({ status: 405, allow: 'GET, HEAD' });

    const boom = await app.inject({ method: 'GET', url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ code: 'HTTP_ERR_INTERNAL', message: 'internal error', statusCode: 500 });
  });
});

describe('toCodedError', () => {
  it('keeps client aborts and other fastify 4xx refusals out of the 500s', async () => {
    const { toCodedError } = await import('./error-handler.ts');
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(toCodedError(aborted, 1).code).toBe('HTTP_ERR_CLIENT_CLOSED_REQUEST');
    const badHeader = Object.assign(new Error('bad header'), { code: 'FST_ERR_SOMETHING', statusCode: 400 });
    expect(toCodedError(badHeader, 1)).toMatchObject({ code: 'HTTP_ERR_BAD_REQUEST', statusCode: 400 });
    expect(toCodedError(new Error('x'), 1).code).toBe('HTTP_ERR_INTERNAL');
  });
});

describe('healthRoutes', () => {
  it('answers liveness always, readiness from the checks, and 503 once draining', async () => {
    let dbUp = true;
    const { app } = await build([
      {
        name: 'db',
        check: () => (dbUp ? Promise.resolve() : Promise.reject(new Error('connection refused'))),
      },
    ]);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    dbUp = false;
    const down = await app.inject({ url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks).toEqual([{ name: 'db', ok: false, error: 'connection refused' }]);
    dbUp = true;
    app.markDraining();
    const draining = await app.inject({ url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json().status).toBe('draining');
    expect(draining.headers.connection).toBe('close');
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('healthRoutes with a non-critical check', () => {
  it('reports it failing as degraded with 200, and still 503 when a critical one fails', async () => {
    let relayUp = false;
    let dbUp = true;
    const registry = new Registry();
    const app = Fastify();
    await app.register(codedErrorHandler);
    await app.register(healthRoutes, {
      checks: [
        { name: 'db', check: () => (dbUp ? Promise.resolve() : Promise.reject(new Error('db down'))) },
        { name: 'relay', critical: false, check: () => (relayUp ? Promise.resolve() : Promise.reject(new Error('publishing fails'))) },
      ],
    });
    await app.register(metricsRoutes, { registry });
    const degraded = await app.inject({ url: '/readyz' });
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toEqual({
      status: 'degraded',
      checks: [
        { name: 'db', ok: true },
        { name: 'relay', ok: false, critical: false, error: 'publishing fails' },
      ],
    });
    dbUp = false;
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    dbUp = true;
    relayUp = true;
    expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
  });
});

describe('metricsRoutes', () => {
  it('counts requests by route pattern and serves the registry', async () => {
    const { app } = await build();
    await app.inject({ url: '/gone/a' });
    await app.inject({ url: '/gone/b' });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('http_requests_total{method="GET",route="/gone/:id",status_code="410"} 2');
    expect(text).toContain('http_request_duration_seconds_bucket');
  });
});
