import { defineError } from '@orderflow/errors';

/** Redis did not answer a board read or write; the same operation may succeed later. */
export const BoardStoreUnavailable = defineError<[string]>({
  code: 'DASHBOARD_ERR_STORE_UNAVAILABLE',
  message: (why) => `the board's Redis store is unavailable: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** A record on order-stats or order-alerts that is not JSON or does not follow the aggregator contract. */
export const InvalidAggregateRecord = defineError<[string, string]>({
  code: 'DASHBOARD_ERR_INVALID_AGGREGATE_RECORD',
  message: (topic, why) => `record on ${topic} does not follow the aggregator contract: ${why}`,
  statusCode: 422,
});

/** A browser sent something other than a known board request over the WebSocket. */
export const InvalidClientMessage = defineError<[string]>({
  code: 'DASHBOARD_ERR_INVALID_CLIENT_MESSAGE',
  message: (why) => `unknown board request: ${why}`,
  statusCode: 400,
});

/** A page from another site tried to open the board's WebSocket. */
export const OriginNotAllowed = defineError<[string]>({
  code: 'DASHBOARD_ERR_ORIGIN_NOT_ALLOWED',
  message: (origin) => `pages from ${origin} may not open the board's WebSocket`,
  statusCode: 403,
});
