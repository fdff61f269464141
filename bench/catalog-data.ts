import type pg from 'pg';

/** Size of the generated catalog. */
export interface CatalogDataSize {
  products: number;
  categories: number;
  reviews: number;
}

/** SKU of product `i` (1-based). */
export const skuOf = (i: number): string => `BENCH-${String(i).padStart(5, '0')}`;

/**
 * Fills the (migrated) bench database: products spread over categories, and a reviews table
 * large enough that a product's details (its rank in the category by average rating, which
 * aggregates every review of the category) take about half a second. Indexes as in production.
 */
export async function generateCatalog(pool: pg.Pool, size: CatalogDataSize): Promise<void> {
  await pool.query(
    `insert into products (sku, name, category, price_minor, currency, stock)
     select 'BENCH-' || lpad(i::text, 5, '0'), 'Product ' || i, 'category-' || (i % $2), 100 + (i * 37) % 10000, 'EUR', i % 500
     from generate_series(1, $1) as i`,
    [size.products, size.categories],
  );
  // Reviews in chunks, so one statement never holds a huge transaction on the shared box.
  const chunk = 500_000;
  for (let done = 0; done < size.reviews; done += chunk) {
    await pool.query(
      `insert into product_reviews (sku, rating, created_at)
       select 'BENCH-' || lpad((1 + floor(random() * $1))::int::text, 5, '0'), 1 + floor(random() * 5)::int, now() - random() * interval '730 days'
       from generate_series(1, $2)`,
      [size.products, Math.min(chunk, size.reviews - done)],
    );
  }
  await pool.query('vacuum analyze products');
  await pool.query('vacuum analyze product_reviews');
}
