import { Type, type Static } from '@sinclair/typebox';

const IsoDateTime = Type.String({ format: 'date-time' });

/**
 * A window update on `order-stats` (key = `windowStart`). Consumers keep the last record per
 * `windowStart`; `final: true` once the allowed lateness has passed and no update will follow.
 */
export const OrderStatsRecord = Type.Object(
  {
    windowStart: IsoDateTime,
    windowEnd: IsoDateTime,
    orderCount: Type.Integer({ minimum: 0 }),
    /** orderCount / 60 (one-minute windows). */
    tps: Type.Number({ minimum: 0 }),
    revenueMinorByCurrency: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Integer({ minimum: 0 })),
    final: Type.Boolean(),
    emittedAt: IsoDateTime,
  },
  { additionalProperties: false, $id: 'OrderStatsRecord' },
);
export type OrderStatsRecord = Static<typeof OrderStatsRecord>;

/** Kinds of anomaly the aggregator reports. */
export const ALERT_KINDS = ['threshold_high', 'threshold_low', 'sigma_high', 'sigma_low'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * An anomaly on `order-alerts` (key = `alertId`). `alertId` is `${kind}:${windowStart}`, so a
 * replay produces the same id and consumers can deduplicate.
 */
export const OrderAlertRecord = Type.Object(
  {
    alertId: Type.String({ minLength: 1 }),
    kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))),
    windowStart: IsoDateTime,
    observed: Type.Number(),
    expected: Type.Union([Type.Number(), Type.Null()]),
    threshold: Type.Union([Type.Number(), Type.Null()]),
    message: Type.String(),
    emittedAt: IsoDateTime,
  },
  { additionalProperties: false, $id: 'OrderAlertRecord' },
);
export type OrderAlertRecord = Static<typeof OrderAlertRecord>;

/** The deterministic id of an alert: the same window and kind always give the same id. */
export function alertId(kind: AlertKind, windowStart: string): string {
  return `${kind}:${windowStart}`;
}
