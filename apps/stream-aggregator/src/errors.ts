import { defineError } from '@orderflow/errors';

/** A record on order-events is not JSON: dead-lettered with this code, never retried. */
export const EventNotJson = defineError<[string]>({
  code: 'AGGREGATOR_ERR_EVENT_NOT_JSON',
  message: (why) => `order event is not JSON: ${why}`,
  statusCode: 422,
});

/** A record on order-events is JSON but not an order event of a known type and shape. */
export const EventSchemaMismatch = defineError<[string]>({
  code: 'AGGREGATOR_ERR_EVENT_SCHEMA',
  message: (why) => `order event does not match its schema: ${why}`,
  statusCode: 422,
});

/** A window start in a request is not an ISO date-time. */
export const BadWindowStart = defineError<[string]>({
  code: 'AGGREGATOR_ERR_BAD_WINDOW_START',
  message: (value) => `windowStart ${value} is not an ISO date-time`,
  statusCode: 400,
});
