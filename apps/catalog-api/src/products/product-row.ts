import type { CacheEntry } from '../cache/entry.ts';
import type { ProductView } from './schemas.ts';

/** A `products` row as pg returns it. */
export interface ProductRow {
  sku: string;
  name: string;
  description: string;
  category: string;
  price_minor: string;
  currency: string;
  stock: number;
  attributes: ProductView['attributes'];
  version: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** The columns every product query returns. */
export const PRODUCT_COLUMNS = 'sku, name, description, category, price_minor, currency, stock, attributes, version, created_at, updated_at, deleted_at';

export function toProductView(row: ProductRow): ProductView {
  return {
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    priceMinor: Number(row.price_minor),
    currency: row.currency,
    stock: row.stock,
    attributes: row.attributes,
    version: Number(row.version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * The cache entry for a row: the product, or a tombstone carrying the deleted row's version
 * (so a reader that loaded the product before the delete cannot cache it again).
 */
export function toProductEntry(row: ProductRow | undefined): CacheEntry {
  if (row === undefined) return { version: 0, json: null };
  return { version: Number(row.version), json: row.deleted_at === null ? JSON.stringify(toProductView(row)) : null };
}
