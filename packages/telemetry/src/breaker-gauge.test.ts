import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { BREAKER_STATE, breakerGaugeValue, breakerStateName, createBreakerGauge, createMetricsRegistry } from './index.ts';

describe('breaker gauge coding', () => {
  it('is 0 closed, 1 half-open, 2 open for every cockatiel state and name', () => {
    expect(BREAKER_STATE).toEqual({ closed: 0, half_open: 1, open: 2 });
    expect([CircuitState.Closed, CircuitState.HalfOpen, CircuitState.Open, CircuitState.Isolated].map(breakerGaugeValue)).toEqual([0, 1, 2, 2]);
    expect(['closed', 'half_open', 'open'].map((n) => breakerGaugeValue(n as keyof typeof BREAKER_STATE))).toEqual([0, 1, 2]);
    expect(breakerStateName(CircuitState.Isolated)).toBe('open');
  });

  it('creates a gauge that starts closed and says its coding', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    createBreakerGauge({ name: 'x_breaker_state', guards: 'the x', registry });
    const text = await registry.metrics();
    expect(text).toContain('# HELP x_breaker_state Circuit breaker of the x: 0 closed, 1 half-open, 2 open.');
    expect(text).toMatch(/^x_breaker_state 0$/m);
  });
});
