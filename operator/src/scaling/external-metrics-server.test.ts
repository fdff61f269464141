import { describe, expect, it } from 'vitest';
import { parseSelector } from './external-metrics-server.ts';

describe('parseSelector', () => {
  it('reads the equality terms the HPA sends', () => {
    expect(parseSelector('orderflow.dev/consumer=payment-worker,orderflow.dev/pipeline=checkout')).toEqual({ 'orderflow.dev/consumer': 'payment-worker', 'orderflow.dev/pipeline': 'checkout' });
    expect(parseSelector('a==b, c = d,e in (f)')).toEqual({ a: 'b', c: 'd' });
    expect(parseSelector('')).toEqual({});
  });
});
