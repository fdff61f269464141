import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry } from '../src/cache/entry.ts';
import { Gates, gatedRepository } from './support/gated-repository.ts';
import { createHarness, productBody, type Harness } from './support/harness.ts';

// Writers and slow readers racing on one SKU never leave an older version in the cache. Each
// race is made to happen in the bad order on purpose: one call is held after its real query
// (the database has answered, the cache is not written yet) while a newer change completes.
describe('catalog-api consistency under concurrent writers and slow readers', () => {
  const gates = new Gates();
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ Repository: gatedRepository(gates) });
  });
  afterAll(async () => {
    await h?.close();
  });

  const fieldsOf = (body: Record<string, unknown>) => {
    const { sku: _sku, ...fields } = body;
    return fields;
  };
  const cached = async (sku: string) => {
    const [fresh, stale] = await Promise.all([h.redisAdmin.get(h.parts.cache.freshKey('product', sku)), h.redisAdmin.get(h.parts.cache.staleKey('product', sku))]);
    return { fresh: fresh === null ? undefined : decodeEntry(fresh), stale: stale === null ? undefined : decodeEntry(stale) };
  };
  const dbVersion = async (sku: string) => Number((await h.admin.query<{ version: string }>('select version from products where sku = $1', [sku])).rows[0]!.version);
  const create = async (body: Record<string, unknown>) => expect((await h.app.inject({ method: 'POST', url: '/products', payload: body })).statusCode).toBe(201);
  const put = (sku: string, body: Record<string, unknown>) => h.app.inject({ method: 'PUT', url: `/products/${sku}`, payload: body });

  it('an older write that reaches the cache last does not replace the newer one', async () => {
    const body = productBody();
    const sku = body.sku;
    await create(body);
    const superseded = await h.metric('catalog_cache_writes_total', { entity: 'product', outcome: 'superseded' });

    const writerA = gates.holdNext('replace', sku);
    const a = put(sku, { ...fieldsOf(body), priceMinor: 300 });
    await writerA.reached; // A committed version 2 and has not written the cache
    const b = await put(sku, { ...fieldsOf(body), priceMinor: 400 });
    expect(b.json()).toMatchObject({ version: 3, priceMinor: 400 });
    writerA.release();
    expect((await a).json()).toMatchObject({ version: 2, priceMinor: 300 });

    const read = await h.app.inject({ url: `/products/${sku}` });
    expect(read.headers['x-cache']).toBe('hit');
    expect(read.json()).toMatchObject({ version: 3, priceMinor: 400 });
    expect(await cached(sku)).toMatchObject({ fresh: { version: 3 }, stale: { version: 3 } });
    expect((await h.metric('catalog_cache_writes_total', { entity: 'product', outcome: 'superseded' })) - superseded).toBe(1);
  });

  it('a slow reader cannot put back a product deleted while it read (the tombstone wins)', async () => {
    const body = productBody();
    const sku = body.sku;
    await create(body);
    await h.redisAdmin.del(h.parts.cache.freshKey('product', sku)); // as if the TTL ran out

    const reader = gates.holdNext('find', sku);
    const slowRead = h.app.inject({ url: `/products/${sku}` });
    await reader.reached; // the reader has version 1 from the database
    expect((await h.app.inject({ method: 'DELETE', url: `/products/${sku}` })).statusCode).toBe(204);
    reader.release();
    // It began before the delete, so it may answer what it read; it must not cache it.
    expect((await slowRead).json()).toMatchObject({ version: 1 });

    const after = await h.app.inject({ url: `/products/${sku}` });
    expect(after.statusCode).toBe(404);
    expect(after.headers['x-cache']).toBeUndefined();
    expect(await cached(sku)).toEqual({ fresh: { version: 2, json: null }, stale: { version: 2, json: null } });
  });

  it('a slow reader cannot put back the version before an update, even after the fresh copy expired', async () => {
    const body = productBody();
    const sku = body.sku;
    await create(body);
    await h.redisAdmin.del(h.parts.cache.freshKey('product', sku));

    const reader = gates.holdNext('find', sku);
    const slowRead = h.app.inject({ url: `/products/${sku}` });
    await reader.reached;
    expect((await put(sku, { ...fieldsOf(body), name: 'Renamed' })).json()).toMatchObject({ version: 2 });
    // The fresh copy of version 2 expires before the slow reader writes: only the stale copy remembers v2.
    await h.redisAdmin.del(h.parts.cache.freshKey('product', sku));
    reader.release();
    await slowRead;

    expect(await cached(sku)).toMatchObject({ fresh: undefined, stale: { version: 2 } });
    const read = await h.app.inject({ url: `/products/${sku}` });
    expect(read.json()).toMatchObject({ version: 2, name: 'Renamed' });
  });

  it('many concurrent writers and readers end with the cache equal to the database', async () => {
    const body = productBody();
    const sku = body.sku;
    await create(body);
    let writing = true;
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 15; i++) {
          const res = await put(sku, { ...fieldsOf(body), stock: w * 100 + i });
          expect(res.statusCode).toBe(200);
        }
      })(),
    );
    // Readers keep forcing misses (fresh copy dropped) so their loads race the writers' puts.
    const readers = Array.from({ length: 4 }, () =>
      (async () => {
        while (writing) {
          await h.redisAdmin.del(h.parts.cache.freshKey('product', sku));
          expect((await h.app.inject({ url: `/products/${sku}` })).statusCode).toBe(200);
        }
      })(),
    );
    await Promise.all(writers);
    writing = false;
    await Promise.all(readers);

    const version = await dbVersion(sku);
    expect(version).toBe(1 + 8 * 15);
    const { fresh, stale } = await cached(sku);
    expect(stale?.version).toBe(version);
    if (fresh !== undefined) expect(fresh.version).toBe(version);
    const row = await h.admin.query<{ stock: number }>('select stock from products where sku = $1', [sku]);
    const read = await h.app.inject({ url: `/products/${sku}` });
    expect(read.json()).toMatchObject({ version, stock: row.rows[0]!.stock });
  });
});
