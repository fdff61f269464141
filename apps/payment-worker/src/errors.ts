import { defineError } from '@orderflow/errors';

/** The provider answered 5xx/429 or could not be reached; a later attempt may succeed. */
export const ProviderUnavailable = defineError<[string]>({
  code: 'PAYMENTS_ERR_PROVIDER_UNAVAILABLE',
  message: (why) => `payment provider unavailable: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** The provider refused the charge (4xx); retrying the same charge cannot succeed. */
export const ProviderRejected = defineError<[number, string]>({
  code: 'PAYMENTS_ERR_PROVIDER_REJECTED',
  message: (status, code) => `payment provider rejected the charge (${status} ${code})`,
  statusCode: 422,
  retriable: false,
});

/** A charge call took longer than PROVIDER_TIMEOUT_MS. */
export const ProviderTimeout = defineError<[number]>({
  code: 'PAYMENTS_ERR_PROVIDER_TIMEOUT',
  message: (ms) => `payment provider did not answer within ${ms} ms`,
  statusCode: 504,
  retriable: true,
});

/** The circuit breaker is open: no call was made; the message is parked for later. */
export const BreakerOpen = defineError({
  code: 'PAYMENTS_ERR_BREAKER_OPEN',
  message: 'payment provider circuit breaker is open',
  statusCode: 503,
  retriable: true,
});

/** A message that is not JSON or not an `order.created` event; it goes straight to the DLQ. */
export const PoisonMessage = defineError<[string]>({
  code: 'PAYMENTS_ERR_POISON_MESSAGE',
  message: (why) => `unprocessable message: ${why}`,
  statusCode: 422,
  retriable: false,
});

/** Every message-level retry failed; the message went to the DLQ. */
export const RetriesExhausted = defineError<[number, string]>({
  code: 'PAYMENTS_ERR_RETRIES_EXHAUSTED',
  message: (attempts, last) => `payment failed after ${attempts} attempts: ${last}`,
  statusCode: 502,
  retriable: false,
});

export const AdminForbidden = defineError({
  code: 'PAYMENTS_ERR_ADMIN_FORBIDDEN',
  message: 'admin endpoints need a valid bearer token (and ADMIN_TOKEN set)',
  statusCode: 403,
});

export const NotReady = defineError<[string]>({
  code: 'PAYMENTS_ERR_NOT_READY',
  message: (why) => `payment worker not ready: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** TOPOLOGY_MODE=verify and a queue the worker needs does not exist: the pipeline must declare it. */
export const TopologyMissing = defineError<[string, string]>({
  code: 'PAYMENTS_ERR_TOPOLOGY_MISSING',
  message: (queue, vhostHint) => `queue "${queue}" does not exist (TOPOLOGY_MODE=verify: the OrderPipeline declares the topology and the operator applies it; ${vhostHint})`,
  statusCode: 503,
  retriable: true,
});
