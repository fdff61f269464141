import { CircuitState } from 'cockatiel';
import { Gauge, type Registry } from 'prom-client';

/**
 * The one coding of every circuit-breaker gauge (`*_breaker_state`) in orderflow: dashboards,
 * alert rules and their tests read these numbers, so no service picks its own. An isolated
 * breaker (held open by hand) counts as open.
 */
export const BREAKER_STATE = Object.freeze({ closed: 0, half_open: 1, open: 2 } as const);

/** A breaker state by name, as logs and transition counters label it. */
export type BreakerStateName = keyof typeof BREAKER_STATE;

const NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/** The name of a cockatiel breaker state. */
export function breakerStateName(state: CircuitState): BreakerStateName {
  return NAMES[state];
}

/** The gauge value of a breaker state (a cockatiel state or its name). */
export function breakerGaugeValue(state: CircuitState | BreakerStateName): number {
  return BREAKER_STATE[typeof state === 'string' ? state : NAMES[state]];
}

/** A breaker gauge named `name`, its help saying what it guards and the coding; starts closed. */
export function createBreakerGauge(options: { name: string; guards: string; registry: Registry }): Gauge {
  const gauge = new Gauge({ name: options.name, help: `Circuit breaker of ${options.guards}: 0 closed, 1 half-open, 2 open.`, registers: [options.registry] });
  gauge.set(BREAKER_STATE.closed);
  return gauge;
}
