import { CachedReader, NothingToServe, type CacheOutcome, type CachedRead } from '../cache/cached-reader.ts';
import type { CacheEntry } from '../cache/entry.ts';
import { jitteredTtl } from '../cache/ttl.ts';
import type { VersionedCache } from '../cache/versioned-cache.ts';
import { isBreakerOpen, isOverloaded, type DatabasePolicy } from '../db/database-policy.ts';
import { isDatabaseDown } from '../db/is-database-down.ts';
import { CatalogUnavailable, CatalogWriteFailed, ProductExists, ProductNotFound, VersionConflict } from '../errors.ts';
import type { CatalogMetrics } from '../metrics.ts';
import type { ChangeResult, ProductRepository } from './product-repository.ts';
import { toProductEntry, toProductView, type ProductRow } from './product-row.ts';
import type { CreateProductBody, ProductView, ReplaceProductBody } from './schemas.ts';

/** TTLs of fresh entries. */
export interface CatalogTtls {
  freshMs: number;
  jitterMs: number;
  /** For "no such product" entries. */
  negativeMs: number;
}

/** What {@link ProductCatalog} works with. */
export interface ProductCatalogDeps {
  repository: ProductRepository;
  cache: VersionedCache;
  policy: DatabasePolicy;
  metrics: CatalogMetrics;
  ttls: CatalogTtls;
}

/** A read's answer: the JSON body as cached (sent without re-encoding), its version, its source. */
export interface CatalogAnswer {
  json: string;
  version: number;
  outcome: CacheOutcome;
}

// A summary carries no version of its own: it is refreshed by TTL only (reviews have no write path here).
const SUMMARY_VERSION = 0;

function worst(a: CacheOutcome, b: CacheOutcome): CacheOutcome {
  const order: CacheOutcome[] = ['hit', 'bypass', 'miss', 'stale'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))]!;
}

/**
 * The catalog: reads cache-aside (single-flight, stale fallback), writes to PostgreSQL and then
 * through to Redis with the row's new version, deletes as versioned tombstones. Every database
 * call runs under the one breaker.
 */
export class ProductCatalog {
  readonly #deps: ProductCatalogDeps;
  readonly #products: CachedReader;
  readonly #summaries: CachedReader;

  constructor(deps: ProductCatalogDeps) {
    this.#deps = deps;
    const { cache, metrics, ttls } = deps;
    const freshTtlMs = (entry: CacheEntry): number => (entry.json === null ? ttls.negativeMs : jitteredTtl(ttls.freshMs, ttls.jitterMs));
    const reader = (kind: 'product' | 'summary'): CachedReader =>
      new CachedReader({
        cache,
        kind,
        freshTtlMs,
        onJoin: () => metrics.singleFlightJoined.inc({ entity: kind }),
        onPut: (outcome) => metrics.cacheWrites.inc({ entity: kind, outcome }),
      });
    this.#products = reader('product');
    this.#summaries = reader('summary');
  }

  /** The product as JSON; ProductNotFound for a SKU never created or deleted. */
  async product(sku: string): Promise<CatalogAnswer> {
    const read = await this.#read(this.#products, 'product', sku, async () => toProductEntry(await this.#db(() => this.#deps.repository.find(sku))));
    if (read.entry.json === null) throw new ProductNotFound([sku]);
    return { json: read.entry.json, version: read.entry.version, outcome: read.outcome };
  }

  /** `{ product, summary }` as JSON: the product and its review summary, each cached on its own. */
  async details(sku: string): Promise<CatalogAnswer> {
    const product = await this.product(sku);
    const summary = await this.#read(this.#summaries, 'summary', sku, async () => ({
      version: SUMMARY_VERSION,
      json: JSON.stringify(await this.#db(() => this.#deps.repository.summary(sku))),
    }));
    return { json: `{"product":${product.json},"summary":${summary.entry.json ?? 'null'}}`, version: product.version, outcome: worst(product.outcome, summary.outcome) };
  }

  async create(body: CreateProductBody): Promise<ProductView> {
    const row = await this.#write(() => this.#deps.repository.create(body));
    if (row === undefined) throw new ProductExists([body.sku]);
    await this.#writeThrough(row);
    return toProductView(row);
  }

  async replace(sku: string, body: ReplaceProductBody, expectedVersion?: number): Promise<ProductView> {
    const row = this.#changed(sku, await this.#write(() => this.#deps.repository.replace(sku, body, expectedVersion)), expectedVersion);
    await this.#writeThrough(row);
    return toProductView(row);
  }

  async delete(sku: string, expectedVersion?: number): Promise<void> {
    const row = this.#changed(sku, await this.#write(() => this.#deps.repository.delete(sku, expectedVersion)), expectedVersion);
    await this.#writeThrough(row);
  }

  async #read(reader: CachedReader, entity: string, sku: string, load: () => Promise<CacheEntry>): Promise<CachedRead> {
    let read: CachedRead;
    try {
      read = await reader.read(sku, load);
    } catch (err) {
      if (!(err instanceof NothingToServe)) throw err;
      const cause = err.cause;
      if (isBreakerOpen(cause)) throw new CatalogUnavailable(['the database breaker is open and nothing is cached'], { cause });
      if (isOverloaded(cause)) throw new CatalogUnavailable(['too many database queries are waiting and nothing is cached'], { cause });
      if (isDatabaseDown(cause)) throw new CatalogUnavailable(['the database is unavailable and nothing is cached'], { cause });
      throw cause;
    }
    this.#deps.metrics.cacheRequests.inc({ entity, outcome: read.outcome });
    return read;
  }

  /**
   * Database first, then the cache with the row's version. New readers stop joining flights that
   * began before the change; a flight still carrying the older version loses the version check.
   * If Redis fails here the older entry lives until its TTL (counted in catalog_cache_writes_total).
   */
  async #writeThrough(row: ProductRow): Promise<void> {
    this.#products.forget(row.sku);
    const entry = toProductEntry(row);
    const ttl = entry.json === null ? this.#deps.ttls.negativeMs : jitteredTtl(this.#deps.ttls.freshMs, this.#deps.ttls.jitterMs);
    const outcome = await this.#deps.cache.put('product', row.sku, entry, ttl);
    this.#deps.metrics.cacheWrites.inc({ entity: 'product', outcome });
  }

  #changed(sku: string, result: ChangeResult, expectedVersion: number | undefined): ProductRow {
    if (result.kind === 'changed') return result.row;
    if (result.kind === 'not_found') throw new ProductNotFound([sku]);
    throw new VersionConflict([sku, expectedVersion ?? -1, result.actual]);
  }

  #db<T>(fn: () => Promise<T>): Promise<T> {
    return this.#deps.policy.execute(fn);
  }

  async #write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#db(fn);
    } catch (err) {
      if (isBreakerOpen(err)) throw new CatalogWriteFailed(['the database breaker is open'], { cause: err });
      if (isOverloaded(err)) throw new CatalogWriteFailed(['too many database queries are waiting'], { cause: err });
      if (isDatabaseDown(err)) throw new CatalogWriteFailed(['the database is unavailable'], { cause: err });
      throw err;
    }
  }
}
