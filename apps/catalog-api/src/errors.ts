import { defineError } from '@orderflow/errors';

/** No product has this SKU (never created, or deleted). */
export const ProductNotFound = defineError<[string]>({
  code: 'CATALOG_ERR_PRODUCT_NOT_FOUND',
  message: (sku) => `product ${sku} not found`,
  statusCode: 404,
});

/** `POST /products` for a SKU that already names a live product; use PUT to change it. */
export const ProductExists = defineError<[string]>({
  code: 'CATALOG_ERR_PRODUCT_EXISTS',
  message: (sku) => `product ${sku} already exists; use PUT /products/${sku} to change it`,
  statusCode: 409,
});

/** If-Match named a version that is no longer the product's current one. */
export const VersionConflict = defineError<[string, number, number]>({
  code: 'CATALOG_ERR_VERSION_CONFLICT',
  message: (sku, expected, actual) => `product ${sku} is at version ${actual}, not ${expected}; read it again and retry`,
  statusCode: 412,
});

/** The database cannot answer and no cached copy exists to answer from. */
export const CatalogUnavailable = defineError<[string]>({
  code: 'CATALOG_ERR_UNAVAILABLE',
  message: (why) => `the catalog cannot answer now (${why}); retry shortly`,
  statusCode: 503,
  retriable: true,
});

/** A write could not reach the database (failing, or its breaker is open); nothing was changed. */
export const CatalogWriteFailed = defineError<[string]>({
  code: 'CATALOG_ERR_WRITE_FAILED',
  message: (why) => `the change was not stored (${why}); retry shortly`,
  statusCode: 503,
  retriable: true,
});
