import { describe, expect, it } from 'vitest';
import { QUEUES, logRoutingKey } from './names.ts';

describe('topology names', () => {
  it('builds log routing keys and per-region / per-attempt queue names', () => {
    expect(logRoutingKey('asia', 'error')).toBe('log.asia.error');
    expect(QUEUES.region('eu')).toBe('orders.region.eu');
    expect(QUEUES.paymentsRetry(2)).toBe('payments.retry.2');
  });
});
