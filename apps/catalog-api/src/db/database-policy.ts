import { BrokenCircuitError, BulkheadRejectedError, type CircuitState, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen, wrap } from 'cockatiel';
import { isDatabaseDown } from './is-database-down.ts';

/** Options for {@link createDatabasePolicy}. */
export interface DatabasePolicyOptions {
  threshold: number;
  halfOpenAfterMs: number;
  /** Queries at once at most: the pool size, so a query that runs never waits for a connection. */
  maxConcurrent: number;
  /** Queries waiting for a turn at most; beyond, they are refused at once ({@link isOverloaded}). */
  maxQueued: number;
  /** Told on every state change; must not throw. */
  onStateChange?(state: CircuitState): void;
}

/** The breaker every catalog query runs under, built once per process. */
export interface DatabasePolicy {
  execute<T>(fn: () => Promise<T>): Promise<T>;
  readonly state: CircuitState;
}

/** Whether `err` is the bulkhead refusing a call because too many are waiting. */
export function isOverloaded(err: unknown): boolean {
  return err instanceof BulkheadRejectedError;
}

/** Whether `err` is the breaker refusing a call without trying it. */
export function isBreakerOpen(err: unknown): boolean {
  return err instanceof BrokenCircuitError;
}

/**
 * breaker(bulkhead(query)). The bulkhead lets at most `maxConcurrent` queries (the pool size)
 * run and queues the rest, so under load queries wait here rather than for a pool connection:
 * the pool's connect timeout then only fires when PostgreSQL does not answer, and a busy
 * database is never mistaken for a down one (a saturated pool's wait timeout has the same
 * error as an unreachable server). The breaker is consecutive-failure: after `threshold`
 * failures in a row that mean the database is down, calls fail at once until one trial call
 * after `halfOpenAfterMs` succeeds. Refused statements and a full queue do not count.
 */
export function createDatabasePolicy(options: DatabasePolicyOptions): DatabasePolicy {
  const limiter = bulkhead(options.maxConcurrent, options.maxQueued);
  const breaker = circuitBreaker(handleWhen((err) => !isOverloaded(err) && isDatabaseDown(err)), {
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
  const policy = wrap(breaker, limiter);
  return {
    execute: (fn) => policy.execute(fn),
    get state() {
      return breaker.state;
    },
  };
}
