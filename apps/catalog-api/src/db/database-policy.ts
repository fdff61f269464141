import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { isDatabaseDown } from './is-database-down.ts';

/** Breaker state as every orderflow gauge shows it: 0 closed, 1 half-open, 2 open. */
export const BREAKER_GAUGE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/** Options for {@link createDatabasePolicy}. */
export interface DatabasePolicyOptions {
  threshold: number;
  halfOpenAfterMs: number;
  /** Told on every state change; must not throw. */
  onStateChange?(state: CircuitState): void;
}

/** The breaker every catalog query runs under, built once per process. */
export interface DatabasePolicy {
  execute<T>(fn: () => Promise<T>): Promise<T>;
  readonly state: CircuitState;
}

/** Whether `err` is the breaker refusing a call without trying it. */
export function isBreakerOpen(err: unknown): boolean {
  return err instanceof BrokenCircuitError;
}

/**
 * A consecutive-failure breaker on PostgreSQL: after `threshold` failures in a row that mean
 * the database is down, calls fail at once (no connect timeout to wait out) until one trial
 * call after `halfOpenAfterMs` succeeds. Refused statements (constraints) do not count.
 */
export function createDatabasePolicy(options: DatabasePolicyOptions): DatabasePolicy {
  const breaker = circuitBreaker(handleWhen(isDatabaseDown), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.threshold),
  });
  breaker.onStateChange((state) => {
    try {
      options.onStateChange?.(state);
    } catch {
      // Telemetry never breaks a query.
    }
  });
  return {
    execute: (fn) => breaker.execute(fn),
    get state() {
      return breaker.state;
    },
  };
}
