import type { Pool } from '@orderflow/pg';
import { PRODUCT_COLUMNS, type ProductRow } from './product-row.ts';
import type { CreateProductBody, ProductSummary, ReplaceProductBody } from './schemas.ts';
import { SUMMARY_SQL, type SummaryRow } from './summary-query.ts';

/** Told about every query the repository sends; must not throw. */
export interface QueryObserver {
  queried(op: string, ok: boolean, seconds: number): void;
}

/** The outcome of a conditional change. */
export type ChangeResult = { kind: 'changed'; row: ProductRow } | { kind: 'not_found' } | { kind: 'version_conflict'; actual: number };

const FIELDS = 'name = $2, description = $3, category = $4, price_minor = $5, currency = $6, stock = $7, attributes = $8';

function fieldParams(sku: string, p: ReplaceProductBody): unknown[] {
  return [sku, p.name, p.description ?? '', p.category, p.priceMinor, p.currency, p.stock, JSON.stringify(p.attributes ?? {})];
}

/**
 * Products in PostgreSQL. Every change bumps `version` on the locked row, so versions of one
 * SKU are strictly increasing in commit order; a delete keeps the row (deleted_at) so a
 * re-created SKU continues the count.
 */
export class ProductRepository {
  readonly #pool: Pool;
  readonly #observer: QueryObserver | undefined;

  constructor(pool: Pool, observer?: QueryObserver) {
    this.#pool = pool;
    this.#observer = observer;
  }

  /** The row of `sku`, deleted or not; undefined when the SKU was never created. */
  async find(sku: string): Promise<ProductRow | undefined> {
    const rows = await this.#query<ProductRow>('find', `select ${PRODUCT_COLUMNS} from products where sku = $1`, [sku]);
    return rows[0];
  }

  /** Creates the product (or re-creates a deleted one); undefined when a live one exists. */
  async create(p: CreateProductBody): Promise<ProductRow | undefined> {
    const rows = await this.#query<ProductRow>(
      'create',
      `insert into products (sku, name, description, category, price_minor, currency, stock, attributes)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (sku) do update set name = excluded.name, description = excluded.description, category = excluded.category,
         price_minor = excluded.price_minor, currency = excluded.currency, stock = excluded.stock, attributes = excluded.attributes,
         version = products.version + 1, created_at = now(), updated_at = now(), deleted_at = null
       where products.deleted_at is not null
       returning ${PRODUCT_COLUMNS}`,
      fieldParams(p.sku, p),
    );
    return rows[0];
  }

  /** Replaces a live product's fields, if it is at `expectedVersion` when one is given. */
  async replace(sku: string, p: ReplaceProductBody, expectedVersion?: number): Promise<ChangeResult> {
    const rows = await this.#query<ProductRow>(
      'replace',
      `update products set ${FIELDS}, version = version + 1, updated_at = now()
       where sku = $1 and deleted_at is null and ($9::bigint is null or version = $9)
       returning ${PRODUCT_COLUMNS}`,
      [...fieldParams(sku, p), expectedVersion ?? null],
    );
    return this.#changeResult(sku, rows[0]);
  }

  /** Marks a live product deleted (a new version), if it is at `expectedVersion` when given. */
  async delete(sku: string, expectedVersion?: number): Promise<ChangeResult> {
    const rows = await this.#query<ProductRow>(
      'delete',
      `update products set deleted_at = now(), version = version + 1, updated_at = now()
       where sku = $1 and deleted_at is null and ($2::bigint is null or version = $2)
       returning ${PRODUCT_COLUMNS}`,
      [sku, expectedVersion ?? null],
    );
    return this.#changeResult(sku, rows[0]);
  }

  /** Review summary and category rank of a live product (see {@link SUMMARY_SQL}). */
  async summary(sku: string): Promise<ProductSummary> {
    const rows = await this.#query<SummaryRow>('summary', SUMMARY_SQL, [sku]);
    const row = rows[0]!;
    return {
      reviews: { count: row.count, averageRating: row.average_rating, histogram: row.histogram },
      categoryRank: row.rank === null || row.of === null ? null : { rank: row.rank, of: row.of },
    };
  }

  async #changeResult(sku: string, row: ProductRow | undefined): Promise<ChangeResult> {
    if (row !== undefined) return { kind: 'changed', row };
    const current = await this.find(sku);
    if (current === undefined || current.deleted_at !== null) return { kind: 'not_found' };
    return { kind: 'version_conflict', actual: Number(current.version) };
  }

  async #query<R extends object>(op: string, sql: string, params: unknown[]): Promise<R[]> {
    const started = performance.now();
    let ok = false;
    try {
      const result = await this.#pool.query<R>(sql, params);
      ok = true;
      return result.rows;
    } finally {
      try {
        this.#observer?.queried(op, ok, (performance.now() - started) / 1000);
      } catch {
        // Metrics never break a query.
      }
    }
  }
}
