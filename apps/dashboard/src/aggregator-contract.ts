import { Type, type Static } from '@sinclair/typebox';

// The Kafka contract between the stream aggregator and its readers, exactly as the lead fixed
// it. It moves to the shared packages/kafka once that exists; until then this file is the only
// place the dashboard knows the shapes.

/** Topic names of the contract (the OrderPipeline declares them; nothing here creates them). */
export const AGGREGATOR_TOPICS = {
  /** key: order id; value: the outbox event JSON; headers `event-id`, `event-type`. */
  orderEvents: 'order-events',
  /** key: window start (ISO); value: {@link OrderStats}. */
  orderStats: 'order-stats',
  /** key: alert id; value: {@link OrderAlert}. */
  orderAlerts: 'order-alerts',
} as const;

const isoDateTime = Type.String({ format: 'date-time' });

/**
 * One update of a one-minute window. Several records share a `windowStart`; a reader keeps the
 * last one, and `final: true` once the allowed lateness has passed.
 */
export const OrderStats = Type.Object({
  windowStart: isoDateTime,
  windowEnd: isoDateTime,
  orderCount: Type.Integer({ minimum: 0 }),
  /** orderCount / 60. */
  tps: Type.Number({ minimum: 0 }),
  revenueMinorByCurrency: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Integer()),
  final: Type.Boolean(),
  emittedAt: isoDateTime,
});

/** What an alert says happened: above or below a fixed threshold, or 3 sigma off the recent mean. */
export const ALERT_KINDS = ['threshold_high', 'threshold_low', 'sigma_high', 'sigma_low'] as const;

/** An anomaly of one window; `alertId` is `${kind}:${windowStart}`, so a replay repeats the id. */
export const OrderAlert = Type.Object({
  alertId: Type.String({ minLength: 1 }),
  kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))),
  windowStart: isoDateTime,
  observed: Type.Number(),
  expected: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  message: Type.String(),
  emittedAt: isoDateTime,
});

export type OrderStats = Static<typeof OrderStats>;
export type OrderAlert = Static<typeof OrderAlert>;
export type AlertKind = (typeof ALERT_KINDS)[number];
