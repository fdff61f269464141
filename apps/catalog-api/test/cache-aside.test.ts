import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// Cache-aside reads and write-through writes on the real PostgreSQL and Redis, through inject().
describe('catalog-api cache-aside and write-through', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ ttlMs: 60_000, jitterMs: 5_000, negativeTtlMs: 60_000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (body: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/products', payload: body });
  const get = (sku: string) => h.app.inject({ url: `/products/${sku}` });
  const put = (sku: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'PUT', url: `/products/${sku}`, payload: body, headers });

  it('a miss reads the database once and caches the product; later reads are hits with no query', async () => {
    const body = productBody();
    // Put the row in behind the API's back, so the first read must be a miss.
    await h.admin.query(`insert into products (sku, name, category, price_minor, currency, stock) values ($1, 'Cup', 'kitchen', 900, 'EUR', 3)`, [body.sku]);
    const before = await h.dbQueries('find');

    const first = await get(body.sku);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.json()).toMatchObject({ sku: body.sku, name: 'Cup', priceMinor: 900, version: 1 });
    expect(first.headers.etag).toBe('"1"');

    for (let i = 0; i < 5; i++) {
      const again = await get(body.sku);
      expect(again.headers['x-cache']).toBe('hit');
      expect(again.json()).toEqual(first.json());
    }
    expect((await h.dbQueries('find')) - before).toBe(1);
    // The fresh key has the configured TTL plus jitter; the stale copy lives much longer.
    const ttl = await h.redisAdmin.pttl(h.parts.cache.freshKey('product', body.sku));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(65_000);
    expect(await h.redisAdmin.pttl(h.parts.cache.staleKey('product', body.sku))).toBeGreaterThan(3_000_000);
  });

  it('writes go to the database, then through to the cache: the next read is a hit with the new version', async () => {
    const body = productBody();
    const created = await create(body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ version: 1, priceMinor: 1250 });
    const before = await h.dbQueries('find');

    const read = await get(body.sku);
    expect(read.headers['x-cache']).toBe('hit');
    expect(read.json()).toEqual(created.json());

    const { sku: _sku, ...fields } = body;
    const updated = await put(body.sku, { ...fields, priceMinor: 1500 });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ version: 2, priceMinor: 1500 });
    const after = await get(body.sku);
    expect(after.headers['x-cache']).toBe('hit');
    expect(after.json()).toEqual(updated.json());
    expect(after.headers.etag).toBe('"2"');
    expect((await h.dbQueries('find')) - before).toBe(0);
    const row = await h.admin.query('select price_minor, version from products where sku = $1', [body.sku]);
    expect(row.rows[0]).toEqual({ price_minor: '1500', version: '2' });
  });

  it('a delete leaves a versioned tombstone: 404 from the cache, and re-creating continues the version', async () => {
    const body = productBody();
    await create(body);
    const deleted = await h.app.inject({ method: 'DELETE', url: `/products/${body.sku}` });
    expect(deleted.statusCode).toBe(204);
    const before = await h.dbQueries('find');
    const gone = await get(body.sku);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('CATALOG_ERR_PRODUCT_NOT_FOUND');
    expect((await h.dbQueries('find')) - before).toBe(0);
    expect(await h.redisAdmin.get(h.parts.cache.freshKey('product', body.sku))).toBe('2:null');

    const again = await create({ ...body, name: 'Espresso cup, again' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ version: 3, name: 'Espresso cup, again' });
    const back = await get(body.sku);
    expect(back.headers['x-cache']).toBe('hit');
    expect(back.json()).toEqual(again.json());
  });

  it('an unknown SKU is a cached 404 (version 0) that a create replaces at once', async () => {
    const body = productBody();
    const before = await h.dbQueries('find');
    expect((await get(body.sku)).statusCode).toBe(404);
    expect((await get(body.sku)).statusCode).toBe(404);
    expect((await h.dbQueries('find')) - before).toBe(1);
    expect((await create(body)).statusCode).toBe(201);
    const read = await get(body.sku);
    expect(read.statusCode).toBe(200);
    expect(read.headers['x-cache']).toBe('hit');
  });

  it('If-Match refuses a change to a product that moved on', async () => {
    const body = productBody();
    await create(body);
    const { sku: _sku, ...fields } = body;
    expect((await put(body.sku, { ...fields, stock: 1 }, { 'if-match': '"1"' })).statusCode).toBe(200);
    const stale = await put(body.sku, { ...fields, stock: 2 }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('CATALOG_ERR_VERSION_CONFLICT');
    expect((await get(body.sku)).json()).toMatchObject({ stock: 1, version: 2 });
    const del = await h.app.inject({ method: 'DELETE', url: `/products/${body.sku}`, headers: { 'if-match': '"1"' } });
    expect(del.statusCode).toBe(412);
  });

  it('details: the expensive summary is cached beside the product', async () => {
    const body = productBody({ category: 'mugs' });
    const other = productBody({ category: 'mugs' });
    await create(body);
    await create(other);
    await h.admin.query(`insert into product_reviews (sku, rating) select $1, r from unnest(array[5,5,4,3]) as r`, [body.sku]);
    await h.admin.query(`insert into product_reviews (sku, rating) select $1, r from unnest(array[5,5,5]) as r`, [other.sku]);
    const before = await h.dbQueries('summary');
    const first = await h.app.inject({ url: `/products/${body.sku}/details` });
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.json()).toMatchObject({
      product: { sku: body.sku },
      summary: { reviews: { count: 4, averageRating: 4.25, histogram: [0, 0, 1, 1, 2] }, categoryRank: { rank: 2, of: 2 } },
    });
    const second = await h.app.inject({ url: `/products/${body.sku}/details` });
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.json()).toEqual(first.json());
    expect((await h.dbQueries('summary')) - before).toBe(1);
  });

  it('answers bad input with 4xx and a stable code', async () => {
    const body = productBody();
    await create(body);
    const cases: [string, Awaited<ReturnType<typeof get>>, number, string][] = [
      ['duplicate', await create(body), 409, 'CATALOG_ERR_PRODUCT_EXISTS'],
      ['negative price', await create(productBody({ priceMinor: -1 })), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown currency', await create(productBody({ currency: 'XYZ' })), 400, 'HTTP_ERR_VALIDATION'],
      ['unknown field', await create(productBody({ discount: 5 })), 400, 'HTTP_ERR_VALIDATION'],
      ['bad sku', await get('has%20space'), 400, 'HTTP_ERR_VALIDATION'],
      ['put unknown', await put('NOPE-1', { name: 'x', category: 'c', priceMinor: 1, currency: 'EUR', stock: 1 }), 404, 'CATALOG_ERR_PRODUCT_NOT_FOUND'],
      ['bad if-match', await put(body.sku, { name: 'x', category: 'c', priceMinor: 1, currency: 'EUR', stock: 1 }, { 'if-match': 'W/"1"' }), 400, 'HTTP_ERR_VALIDATION'],
      ['malformed JSON', await h.app.inject({ method: 'POST', url: '/products', headers: { 'content-type': 'application/json' }, payload: '{"sku":' }), 400, 'HTTP_ERR_MALFORMED_JSON'],
    ];
    for (const [what, res, status, code] of cases) {
      expect({ what, status: res.statusCode, code: res.json().code }).toEqual({ what, status, code });
    }
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const doc = (await h.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths as object)).toEqual(expect.arrayContaining(['/products', '/products/{sku}', '/products/{sku}/details']));
    expect(doc.components.schemas).toHaveProperty('Product');
  });

  it('exposes hits, misses and the hit ratio', async () => {
    const text = (await h.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/catalog_cache_requests_total\{entity="product",outcome="hit"\} [1-9]/);
    expect(text).toMatch(/catalog_cache_requests_total\{entity="product",outcome="miss"\} [1-9]/);
    const ratio = Number(/^catalog_cache_hit_ratio (\S+)$/m.exec(text)?.[1]);
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
  });
});

// TTL expiry needs a short TTL of its own.
describe('catalog-api TTL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ ttlMs: 400, jitterMs: 100 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an entry expires after its TTL plus jitter; the next read reloads it once and caches it again', async () => {
    const body = productBody();
    await h.app.inject({ method: 'POST', url: '/products', payload: body });
    const pttl = await h.redisAdmin.pttl(h.parts.cache.freshKey('product', body.sku));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(500);
    expect((await h.app.inject({ url: `/products/${body.sku}` })).headers['x-cache']).toBe('hit');
    const before = await h.dbQueries('find');
    await waitFor(async () => (await h.redisAdmin.exists(h.parts.cache.freshKey('product', body.sku))) === 0, { what: 'the fresh entry to expire', intervalMs: 50 });
    const reloaded = await h.app.inject({ url: `/products/${body.sku}` });
    expect(reloaded.headers['x-cache']).toBe('miss');
    expect(reloaded.json()).toMatchObject({ sku: body.sku, version: 1 });
    expect((await h.app.inject({ url: `/products/${body.sku}` })).headers['x-cache']).toBe('hit');
    expect((await h.dbQueries('find')) - before).toBe(1);
  });
});
