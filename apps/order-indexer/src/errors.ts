import { defineError } from '@orderflow/errors';

/** A record on order-events is not JSON: dead-lettered with this code, never retried. */
export const EventNotJson = defineError<[string]>({
  code: 'INDEXER_ERR_EVENT_NOT_JSON',
  message: (why) => `order event is not JSON: ${why}`,
  statusCode: 422,
});

/** A record lacks what indexing needs (an event id, an order id, a type). */
export const EventUnindexable = defineError<[string]>({
  code: 'INDEXER_ERR_EVENT_UNINDEXABLE',
  message: (why) => `order event cannot be indexed: ${why}`,
  statusCode: 422,
});

/** OpenSearch refused a document for good (mapping violation, bad value): dead-lettered. */
export const DocumentRejected = defineError<[string, string]>({
  code: 'INDEXER_ERR_DOCUMENT_REJECTED',
  message: (type, reason) => `OpenSearch rejected the document: ${type}: ${reason}`,
  statusCode: 422,
});

/** OpenSearch did not take a bulk request (down, overloaded, timed out): retried, never skipped. */
export const SearchBackendUnavailable = defineError<[string]>({
  code: 'INDEXER_ERR_OPENSEARCH_UNAVAILABLE',
  message: (why) => `OpenSearch is unavailable: ${why}`,
  statusCode: 503,
  retriable: true,
});

/** A paging cursor that this API did not issue (or that was altered). */
export const BadCursor = defineError<[]>({
  code: 'INDEXER_ERR_BAD_CURSOR',
  message: () => 'cursor is not one this API issued; start again without it',
  statusCode: 400,
});

/** A time range whose end is before its start. */
export const BadTimeRange = defineError<[string, string]>({
  code: 'INDEXER_ERR_BAD_TIME_RANGE',
  message: (from, to) => `time range ends (${to}) before it starts (${from})`,
  statusCode: 400,
});
