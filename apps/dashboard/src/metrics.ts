import { Counter, Gauge, type Registry } from '@orderflow/telemetry';

/** The dashboard's own series (HTTP series come from @orderflow/http). */
export interface DashboardMetrics {
  statusEvents: Counter<'type' | 'outcome'>;
  aggregateRecords: Counter<'topic' | 'outcome'>;
  clients: Gauge;
  snapshotsSent: Counter<'reason'>;
  clientsDropped: Counter<'reason'>;
  subscriberReconnects: Counter;
  statsFeedUp: Gauge;
}

/** Creates the dashboard's series on `registry` (once per process). */
export function createDashboardMetrics(registry: Registry): DashboardMetrics {
  const registers = [registry];
  return {
    statusEvents: new Counter({
      name: 'dashboard_status_events_total',
      help: 'Order events from RabbitMQ by type and outcome: applied (newer version), superseded (a newer or equal version was stored), failed (requeued), rejected (not an order event)',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    aggregateRecords: new Counter({
      name: 'dashboard_aggregate_records_total',
      help: 'order-stats and order-alerts records by outcome: applied, superseded, invalid',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    clients: new Gauge({ name: 'dashboard_websocket_clients', help: 'Browsers connected to this replica', registers }),
    snapshotsSent: new Counter({
      name: 'dashboard_snapshots_sent_total',
      help: 'Snapshots sent to browsers by reason: connect, resync (the page asked: a sequence gap), subscriber (this replica re-subscribed to Redis)',
      labelNames: ['reason'],
      registers,
    }),
    clientsDropped: new Counter({
      name: 'dashboard_clients_dropped_total',
      help: 'Browsers disconnected by the server: slow (too much unsent data; they reconnect and resync)',
      labelNames: ['reason'],
      registers,
    }),
    statsFeedUp: new Gauge({ name: 'dashboard_stats_feed_up', help: '1 while order-stats and order-alerts are being consumed', registers }),
    subscriberReconnects: new Counter({ name: 'dashboard_subscriber_reconnects_total', help: 'Times the Redis subscription was re-established after a loss', registers }),
  };
}
