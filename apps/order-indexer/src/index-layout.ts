/**
 * Names, templates and mappings of everything the indexer owns in OpenSearch. Mappings are
 * explicit and `dynamic: strict`: a field of the wrong type or one nobody declared is a
 * rejected document (dead-lettered with the reason), never a silently widened mapping.
 */

/** Index and alias names derived from one prefix. */
export interface IndexNames {
  /** Read alias over every monthly event index. */
  eventsAlias: string;
  /** Pattern the event template and the ISM policy match. */
  eventsPattern: string;
  eventsTemplate: string;
  /** One document per order (id = order id), its current state. */
  orders: string;
  ordersTemplate: string;
  /** One document per alert (id = alert id). */
  alerts: string;
  alertsTemplate: string;
  retentionPolicy: string;
}

/** The names for `prefix` (the INDEX_PREFIX setting; tests use their own). */
export function indexNames(prefix: string): IndexNames {
  return {
    eventsAlias: `${prefix}-order-events`,
    eventsPattern: `${prefix}-order-events-*`,
    eventsTemplate: `${prefix}-order-events`,
    orders: `${prefix}-orders`,
    ordersTemplate: `${prefix}-orders`,
    alerts: `${prefix}-order-alerts`,
    alertsTemplate: `${prefix}-order-alerts`,
    retentionPolicy: `${prefix}-order-events-retention`,
  };
}

/** The monthly index an event belongs to, from its own time (a replay lands in the same index). */
export function monthlyEventIndex(names: IndexNames, occurredAt: Date): string {
  const month = String(occurredAt.getUTCMonth() + 1).padStart(2, '0');
  return `${names.eventsAlias}-${occurredAt.getUTCFullYear()}.${month}`;
}

const keyword = { type: 'keyword' } as const;
const date = { type: 'date', format: 'strict_date_optional_time||epoch_millis' } as const;
// Amounts stay integers in minor units (cents): exact sums, no floating point in revenue.
const minorAmount = { type: 'long' } as const;
// SKUs: exact keyword for filters and top-N, plus a text sub-field for free-text search.
const sku = { type: 'keyword', fields: { text: { type: 'text', analyzer: 'standard' } } } as const;
const items = {
  type: 'nested',
  dynamic: 'strict',
  properties: { sku: keyword, quantity: { type: 'integer' }, unitPriceMinor: minorAmount },
} as const;

// One shard, no replica: a single-node development cluster stays green. Production overrides
// these through the template (docs/search.md).
const indexSettings = { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' } as const;

/** Mapping of one event document (both event types; absent fields are simply missing). */
export const eventMapping = {
  dynamic: 'strict',
  properties: {
    eventId: keyword,
    type: keyword,
    orderId: keyword,
    occurredAt: date,
    indexedAt: date,
    customerId: keyword,
    region: keyword,
    priority: keyword,
    currency: keyword,
    totalMinor: minorAmount,
    skus: sku,
    items,
    from: keyword,
    to: keyword,
    version: { type: 'integer' },
    reason: { type: 'keyword', fields: { text: { type: 'text' } } },
    source: { type: 'object', dynamic: 'strict', properties: { topic: keyword, partition: { type: 'integer' }, offset: { type: 'long' } } },
  },
} as const;

/** Mapping of an order's current-state document. */
export const orderMapping = {
  dynamic: 'strict',
  properties: {
    orderId: keyword,
    customerId: keyword,
    region: keyword,
    priority: keyword,
    currency: keyword,
    totalMinor: minorAmount,
    skus: sku,
    items,
    createdAt: date,
    updatedAt: date,
    status: keyword,
    /** orders.version of the newest status change applied; older events never overwrite it. */
    statusVersion: { type: 'integer' },
    paymentFailureReason: keyword,
  },
} as const;

/** Mapping of an alert from `order-alerts`. */
export const alertMapping = {
  dynamic: 'strict',
  properties: {
    alertId: keyword,
    kind: keyword,
    windowStart: date,
    observed: { type: 'double' },
    expected: { type: 'double' },
    threshold: { type: 'double' },
    message: { type: 'text' },
    emittedAt: date,
  },
} as const;

/** The composable index templates to put (name → body). */
export function indexTemplates(names: IndexNames): Record<string, Record<string, unknown>> {
  return {
    [names.eventsTemplate]: {
      index_patterns: [names.eventsPattern],
      priority: 200,
      template: { settings: indexSettings, mappings: eventMapping, aliases: { [names.eventsAlias]: {} } },
      _meta: { owner: 'order-indexer' },
    },
    [names.ordersTemplate]: {
      index_patterns: [names.orders],
      priority: 200,
      template: { settings: indexSettings, mappings: orderMapping },
      _meta: { owner: 'order-indexer' },
    },
    [names.alertsTemplate]: {
      index_patterns: [names.alerts],
      priority: 200,
      template: { settings: indexSettings, mappings: alertMapping },
      _meta: { owner: 'order-indexer' },
    },
  };
}

/**
 * The ISM policy: monthly event indices are deleted `months` after creation. Attached to new
 * indices by its `ism_template`. Only where the index-management plugin exists (not in the
 * local runner: see retention.ts).
 */
export function retentionPolicy(names: IndexNames, months: number): Record<string, unknown> {
  return {
    policy: {
      description: `Delete order event indices ${months} months after creation (order-indexer)`,
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${months * 31}d` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [names.eventsPattern], priority: 100 }],
    },
  };
}
