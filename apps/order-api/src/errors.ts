import { defineError } from '@orderflow/errors';

/** No order has this id. */
export const OrderNotFound = defineError<[string]>({
  code: 'ORDERS_ERR_NOT_FOUND',
  message: (id) => `order ${id} not found`,
  statusCode: 404,
});

/** The currency is well-formed but not one orderflow accepts. */
export const UnsupportedCurrency = defineError<[string, string]>({
  code: 'ORDERS_ERR_UNSUPPORTED_CURRENCY',
  message: (currency, allowed) => `currency ${currency} is not supported; use one of ${allowed}`,
  statusCode: 422,
});

/** An Idempotency-Key was sent again with a different body. */
export const IdempotencyKeyReused = defineError<[string]>({
  code: 'ORDERS_ERR_IDEMPOTENCY_KEY_REUSED',
  message: (key) => `Idempotency-Key ${key} was already used for a different order`,
  statusCode: 422,
});

/** The paging cursor was not produced by this API. */
export const InvalidCursor = defineError({
  code: 'ORDERS_ERR_INVALID_CURSOR',
  message: 'the cursor is not valid; use nextCursor from a previous page',
  statusCode: 400,
});

/** The order could not be stored (database unreachable or overloaded); retry with the same Idempotency-Key. */
export const OrderNotStored = defineError<[string]>({
  code: 'ORDERS_ERR_NOT_STORED',
  message: (why) => `the order was not stored: ${why}; retry with the same Idempotency-Key`,
  statusCode: 503,
  retriable: true,
});

/** The service is shutting down and takes no new orders. */
export const ShuttingDown = defineError({
  code: 'ORDERS_ERR_SHUTTING_DOWN',
  message: 'order-api is shutting down; retry against another instance',
  statusCode: 503,
  retriable: true,
});

/** `GET /orders` without `customerId` lists every customer's orders: only with the admin token. */
export const AdminTokenRequired = defineError({
  code: 'ORDERS_ERR_ADMIN_TOKEN_REQUIRED',
  message: "listing every customer's orders needs the admin bearer token; pass customerId to list one customer's orders",
  statusCode: 401,
});

/** An `Authorization` header was sent and is not the admin bearer token. */
export const InvalidAdminToken = defineError({
  code: 'ORDERS_ERR_INVALID_TOKEN',
  message: 'the bearer token is not valid',
  statusCode: 401,
});
