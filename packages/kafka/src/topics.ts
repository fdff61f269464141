/**
 * Topic names of the order stream. The OrderPipeline declares them (partitions, replication,
 * retention); no client here ever relies on broker auto-creation.
 */
export const TOPICS = Object.freeze({
  /** Outbox order events, key = order id, value = the event JSON exactly as RabbitMQ gets it. */
  orderEvents: 'order-events',
  /** One record per window update, key = window start (ISO); see `OrderStatsRecord`. */
  orderStats: 'order-stats',
  /** Anomaly alerts, key = alert id; see `OrderAlertRecord`. */
  orderAlerts: 'order-alerts',
  /** Order events the aggregator cannot read, with the reason in headers. */
  orderEventsDeadLetter: 'order-events.dlt',
  /** The aggregator's window state (compacted; written in the same transactions as its output). */
  aggregatorChangelog: 'stream-aggregator.windows-changelog',
});

/** Headers every `order-events` record carries. */
export const ORDER_EVENT_HEADERS = Object.freeze({ eventId: 'event-id', eventType: 'event-type' });

/** Headers a dead-lettered record carries besides its original ones. */
export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'dlt-reason',
  code: 'dlt-code',
  sourceTopic: 'dlt-source-topic',
  sourcePartition: 'dlt-source-partition',
  sourceOffset: 'dlt-source-offset',
});
