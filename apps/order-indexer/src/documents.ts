import { DocumentRejected, EventNotJson, EventUnindexable } from './errors.ts';
import { monthlyEventIndex, type IndexNames } from './index-layout.ts';
import type { CodedError } from '@orderflow/errors';

/** One bulk operation: its action line and, for all but delete, its source line. */
export interface BulkAction {
  action: Record<string, Record<string, unknown>>;
  body: Record<string, unknown>;
}

/** Where a record came from, kept in the event document (what replays and audits need). */
export interface RecordSource {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A record turned into bulk actions, or the reason it cannot be (dead-lettered as is). */
export type PlannedRecord = { actions: BulkAction[] } | { invalid: CodedError };

// Applies an order.created event to the order's document. Order fields always come from the
// created event (the only one carrying them); the status is set only if no status change was
// applied yet, so a late or replayed created event never moves an order back to "accepted".
const CREATED_SCRIPT = `
def s = ctx._source;
for (def f : params.order.entrySet()) { s[f.getKey()] = f.getValue(); }
if (s.statusVersion == null) { s.status = 'accepted'; s.statusVersion = 1; s.updatedAt = params.order.createdAt; }
`;

// Applies an order.status_changed event only when it is newer (orders.version) than what the
// document has: replays, duplicates and out-of-order deliveries leave it unchanged (noop).
const STATUS_SCRIPT = `
def s = ctx._source;
if (s.orderId == null) { s.orderId = params.orderId; }
if (s.region == null && params.region != null) { s.region = params.region; }
if (s.statusVersion == null || params.version > s.statusVersion) {
  s.status = params.to; s.statusVersion = params.version; s.updatedAt = params.occurredAt;
  if (params.to == 'payment_failed' && params.reason != null) { s.paymentFailureReason = params.reason; }
} else { ctx.op = 'noop'; }
`;

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function requireString(event: Record<string, unknown>, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value.length === 0) throw new EventUnindexable([`${field} is missing or not a string`]);
  return value;
}

function parse(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new EventNotJson([(err as Error).message]);
  }
  const object = asObject(parsed);
  if (object === undefined) throw new EventNotJson(['not a JSON object']);
  return object;
}

/**
 * Bulk actions for one `order-events` record: the event document (id = event id, `create`, so
 * a replay is a 409 duplicate and never a second document) and the order's current-state
 * update. Field values are passed through untouched: OpenSearch's strict mapping is the judge
 * of types, and what it refuses is dead-lettered with its reason.
 */
export function planOrderEvent(names: IndexNames, value: string, source: RecordSource, indexedAt: Date): PlannedRecord {
  try {
    const event = parse(value);
    const eventId = requireString(event, 'eventId');
    const orderId = requireString(event, 'orderId');
    const type = requireString(event, 'type');
    const occurredAt = new Date(requireString(event, 'occurredAt'));
    if (Number.isNaN(occurredAt.getTime())) throw new EventUnindexable(['occurredAt is not a date-time']);
    const base = { eventId, type, orderId, occurredAt: event.occurredAt, indexedAt: indexedAt.toISOString(), source: { topic: source.topic, partition: source.partition, offset: source.offset.toString() } };
    const eventIndex = monthlyEventIndex(names, occurredAt);

    if (type === 'order.created') {
      const order = asObject(event.order);
      if (order === undefined) throw new EventUnindexable(['order.created without an order']);
      const items = Array.isArray(order.items) ? order.items : [];
      const skus = items.map((i) => asObject(i)?.sku).filter((s) => s !== undefined);
      const fields = { orderId, customerId: order.customerId, region: order.region, priority: order.priority, currency: order.currency, totalMinor: order.totalMinor, items, skus };
      return {
        actions: [
          { action: { create: { _index: eventIndex, _id: eventId } }, body: { ...base, ...fields } },
          {
            action: { update: { _index: names.orders, _id: orderId, retry_on_conflict: 5 } },
            body: { scripted_upsert: true, upsert: {}, script: { lang: 'painless', source: CREATED_SCRIPT, params: { order: { ...fields, createdAt: event.occurredAt } } } },
          },
        ],
      };
    }
    if (type === 'order.status_changed') {
      const fields = { from: event.from, to: event.to, version: event.version, region: event.region, ...(event.reason !== undefined && { reason: event.reason }) };
      return {
        actions: [
          { action: { create: { _index: eventIndex, _id: eventId } }, body: { ...base, ...fields } },
          {
            action: { update: { _index: names.orders, _id: orderId, retry_on_conflict: 5 } },
            body: {
              scripted_upsert: true,
              upsert: {},
              script: { lang: 'painless', source: STATUS_SCRIPT, params: { orderId, region: event.region ?? null, to: event.to, version: event.version, occurredAt: event.occurredAt, reason: event.reason ?? null } },
            },
          },
        ],
      };
    }
    // Event types this indexer does not know yet are still searchable by their common fields.
    return { actions: [{ action: { create: { _index: eventIndex, _id: eventId } }, body: base }] };
  } catch (err) {
    if (err instanceof EventNotJson || err instanceof EventUnindexable) return { invalid: err };
    throw err;
  }
}

/** The bulk action for one `order-alerts` record (id = alert id: a replay overwrites itself). */
export function planAlert(names: IndexNames, value: string): PlannedRecord {
  try {
    const alert = parse(value);
    const alertId = requireString(alert, 'alertId');
    return { actions: [{ action: { index: { _index: names.alerts, _id: alertId } }, body: alert }] };
  } catch (err) {
    if (err instanceof EventNotJson || err instanceof EventUnindexable) return { invalid: err };
    throw err;
  }
}

/** The coded error for a document OpenSearch refused. */
export function rejection(type: string, reason: string): CodedError {
  return new DocumentRejected([type, reason]);
}
