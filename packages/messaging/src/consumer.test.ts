import { describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InvalidMessage } from './errors.ts';
import { parseMessage } from './consumer.ts';
import { registerFormats } from './formats.ts';
import { OrderCreatedEvent } from './schemas.ts';

registerFormats();
const checker = TypeCompiler.Compile(OrderCreatedEvent);
const valid = {
  eventId: '6a1c0a7e-3b7d-4c51-9d5e-1f1b2c3d4e5f',
  type: 'order.created',
  occurredAt: '2026-01-01T00:00:00.000Z',
  orderId: '0b6f6f3c-8a3e-4b55-a1c2-9f0e8d7c6b5a',
  order: {
    id: '0b6f6f3c-8a3e-4b55-a1c2-9f0e8d7c6b5a',
    customerId: 'c-1',
    region: 'eu',
    priority: 'normal',
    currency: 'EUR',
    totalMinor: 2599,
    items: [{ sku: 'A-1', quantity: 1, unitPriceMinor: 2599 }],
  },
};

describe('parseMessage', () => {
  it('returns a body that fits the schema', () => {
    expect(parseMessage('payments', checker, Buffer.from(JSON.stringify(valid)))).toEqual(valid);
  });

  it('rejects a body that is not JSON with a non-retriable coded error', () => {
    let caught: unknown;
    try {
      parseMessage('payments', checker, Buffer.from('{not json'));
    } catch (err) {
      caught = err;
    }
    expect(InvalidMessage.is(caught)).toBe(true);
    expect((caught as InstanceType<typeof InvalidMessage>).retriable).toBe(false);
    expect((caught as Error).message).toMatch(/payments.*not JSON/);
  });

  it('names the first field that does not fit', () => {
    const bad = { ...valid, order: { ...valid.order, currency: 'XXX' } };
    expect(() => parseMessage('payments', checker, Buffer.from(JSON.stringify(bad)))).toThrow(/\/order\/currency/);
  });
});
