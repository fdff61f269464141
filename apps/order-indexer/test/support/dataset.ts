import { randomUUID } from 'node:crypto';
import type { OrderCreatedEvent, OrderStatusChangedEvent } from '@orderflow/messaging';

/** One generated order and the events its life produced. */
export interface GeneratedOrder {
  id: string;
  customerId: string;
  region: 'eu' | 'us' | 'asia';
  currency: 'EUR' | 'USD';
  createdAt: Date;
  items: { sku: string; quantity: number; unitPriceMinor: number }[];
  totalMinor: number;
  status: 'accepted' | 'payment_pending' | 'paid' | 'payment_failed';
  failureReason: string | null;
  events: (OrderCreatedEvent | OrderStatusChangedEvent)[];
}

const REGIONS = ['eu', 'us', 'asia'] as const;
const FAILURES = ['card_declined', 'insufficient_funds', 'provider_timeout'] as const;
const SKUS = ['SKU-RED-MUG', 'SKU-BLUE-MUG', 'SKU-TEA-GREEN', 'SKU-TEA-BLACK', 'SKU-SPOON', 'SKU-KETTLE'];

/**
 * A deterministic data set: `count` orders spread over `minutes` minutes before `end`, each
 * with a created event and 0–2 status changes (accepted → payment_pending → paid or
 * payment_failed with a reason). The same seed gives the same orders (ids aside).
 */
export function generateOrders(count: number, options: { end: Date; minutes: number; seed?: number }): GeneratedOrder[] {
  let state = options.seed ?? 7;
  const rand = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const out: GeneratedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const createdAt = new Date(options.end.getTime() - Math.floor(rand() * options.minutes * 60_000) - 1_000);
    createdAt.setUTCMilliseconds(0);
    const items = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ sku: pick(SKUS), quantity: 1 + Math.floor(rand() * 4), unitPriceMinor: 100 + Math.floor(rand() * 5_000) }));
    // One line per SKU, as order-api stores items.
    const merged = [...new Map(items.map((it) => [it.sku, it])).values()];
    const totalMinor = merged.reduce((sum, it) => sum + it.quantity * it.unitPriceMinor, 0);
    const order = { id, customerId: `cust-${Math.floor(rand() * 25)}`, region: pick(REGIONS), priority: 'normal' as const, currency: rand() < 0.7 ? ('EUR' as const) : ('USD' as const), totalMinor, items: merged };
    const events: GeneratedOrder['events'] = [{ eventId: randomUUID(), occurredAt: createdAt.toISOString(), orderId: id, type: 'order.created', order }];
    const r = rand();
    let status: GeneratedOrder['status'] = 'accepted';
    let failureReason: string | null = null;
    const at = (seconds: number): string => new Date(createdAt.getTime() + seconds * 1_000).toISOString();
    if (r > 0.15) {
      events.push({ eventId: randomUUID(), occurredAt: at(1), orderId: id, type: 'order.status_changed', from: 'accepted', to: 'payment_pending', version: 2, region: order.region });
      status = 'payment_pending';
    }
    if (r > 0.35) {
      const failed = r > 0.8;
      failureReason = failed ? pick(FAILURES) : null;
      events.push({
        eventId: randomUUID(),
        occurredAt: at(2),
        orderId: id,
        type: 'order.status_changed',
        from: 'payment_pending',
        to: failed ? 'payment_failed' : 'paid',
        version: 3,
        region: order.region,
        ...(failureReason !== null && { reason: failureReason }),
      });
      status = failed ? 'payment_failed' : 'paid';
    }
    out.push({ id, customerId: order.customerId, region: order.region, currency: order.currency, createdAt, items: merged, totalMinor, status, failureReason, events });
  }
  return out;
}
