import { createHash, randomUUID } from 'node:crypto';
import { CURRENCIES, EVENT_TYPES, type Currency, type OrderCreatedEvent } from '@orderflow/messaging';
import { UnsupportedCurrency } from '../errors.ts';
import type { CreateOrderBody } from '../schemas.ts';

/** An order ready to insert, with the `order.created` event that goes to the outbox with it. */
export interface NewOrder {
  id: string;
  idempotencyKey: string | null;
  /** sha256 of the canonical body: a repeated key must come with the same order. */
  requestHash: string;
  event: OrderCreatedEvent;
}

const SUPPORTED = new Set<string>(CURRENCIES);

/** Key order does not change what was asked for, so hash a canonical form. */
function canonical(body: CreateOrderBody): string {
  return JSON.stringify([
    body.customerId,
    body.region,
    body.priority ?? 'normal',
    body.currency,
    body.items.map((i) => [i.sku, i.quantity, i.unitPriceMinor]),
  ]);
}

/**
 * Turns a validated request into an order: checks the currency, computes the total in minor
 * units, assigns ids. Throws `ORDERS_ERR_UNSUPPORTED_CURRENCY` (422).
 */
export function newOrder(body: CreateOrderBody, idempotencyKey: string | undefined, now: Date = new Date()): NewOrder {
  if (!SUPPORTED.has(body.currency)) throw new UnsupportedCurrency([body.currency, CURRENCIES.join(', ')]);
  const id = randomUUID();
  const totalMinor = body.items.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0);
  return {
    id,
    idempotencyKey: idempotencyKey ?? null,
    requestHash: createHash('sha256').update(canonical(body)).digest('hex'),
    event: {
      eventId: randomUUID(),
      type: EVENT_TYPES.orderCreated,
      occurredAt: now.toISOString(),
      orderId: id,
      order: {
        id,
        customerId: body.customerId,
        region: body.region,
        priority: body.priority ?? 'normal',
        currency: body.currency as Currency,
        totalMinor,
        items: body.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceMinor: i.unitPriceMinor })),
      },
    },
  };
}
