import { describe, expect, it } from 'vitest';
import { newOrder } from './new-order.ts';

const body = {
  customerId: 'c-1',
  region: 'eu' as const,
  currency: 'EUR',
  items: [
    { sku: 'A-1', quantity: 2, unitPriceMinor: 1250 },
    { sku: 'B-2', quantity: 1, unitPriceMinor: 99 },
  ],
};

describe('newOrder', () => {
  it('computes the total in minor units, defaults the priority and builds the order.created event', () => {
    const o = newOrder(body, 'key-1', new Date('2026-01-01T00:00:00Z'));
    expect(o.idempotencyKey).toBe('key-1');
    expect(o.event.type).toBe('order.created');
    expect(o.event.orderId).toBe(o.id);
    expect(o.event.occurredAt).toBe('2026-01-01T00:00:00.000Z');
    expect(o.event.order).toMatchObject({ id: o.id, totalMinor: 2599, priority: 'normal', currency: 'EUR', region: 'eu' });
  });

  it('hashes the same order the same way whatever the key order, and a different order differently', () => {
    const reordered = { items: body.items, currency: 'EUR', region: 'eu' as const, customerId: 'c-1', priority: 'normal' as const };
    expect(newOrder(reordered, undefined).requestHash).toBe(newOrder(body, undefined).requestHash);
    expect(newOrder({ ...body, currency: 'USD' }, undefined).requestHash).not.toBe(newOrder(body, undefined).requestHash);
  });

  it('refuses a well-formed but unsupported currency with a stable code', () => {
    expect(() => newOrder({ ...body, currency: 'XYZ' }, undefined)).toThrow(expect.objectContaining({ code: 'ORDERS_ERR_UNSUPPORTED_CURRENCY', statusCode: 422 }));
  });
});
