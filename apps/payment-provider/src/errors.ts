import { defineError } from '@orderflow/errors';

/** The provider is (simulating being) down; the same request may succeed later. */
export const ProviderUnavailable = defineError({
  code: 'PROVIDER_ERR_UNAVAILABLE',
  message: 'payment provider temporarily unavailable',
  statusCode: 503,
  retriable: true,
});

export const IdempotencyKeyRequired = defineError({
  code: 'PROVIDER_ERR_IDEMPOTENCY_KEY_REQUIRED',
  message: 'the Idempotency-Key header is required (1..128 characters)',
  statusCode: 400,
});

export const IdempotencyKeyReused = defineError<[string]>({
  code: 'PROVIDER_ERR_IDEMPOTENCY_KEY_REUSED',
  message: (key) => `idempotency key ${key} was already used with a different amount or currency`,
  statusCode: 409,
});

export const ChargeNotFound = defineError<[string]>({
  code: 'PROVIDER_ERR_CHARGE_NOT_FOUND',
  message: (id) => `charge ${id} not found`,
  statusCode: 404,
});

export const AdminForbidden = defineError({
  code: 'PROVIDER_ERR_ADMIN_FORBIDDEN',
  message: 'admin endpoints need a valid bearer token (and PROVIDER_ADMIN_TOKEN set)',
  statusCode: 403,
});

/** A protected endpoint (ledger, charge lookups, admin) was called without the right bearer token. */
export const Unauthorized = defineError({
  code: 'PROVIDER_ERR_UNAUTHORIZED',
  message: 'this endpoint needs the admin bearer token (Authorization: Bearer <PROVIDER_ADMIN_TOKEN>)',
  statusCode: 401,
});
