import { isRetriable } from '@orderflow/errors';
import { breakerStateName, type BreakerStateName } from '@orderflow/telemetry';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { BreakerOpen, ProviderTimeout } from './errors.ts';

/** Settings of the provider policy (from the worker config). */
export interface ProviderPolicyOptions {
  timeoutMs: number;
  retries: number;
  retryInitialMs: number;
  retryMaxMs: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

/** Hooks that feed metrics and logs; telemetry must never throw into the call path. */
export interface ProviderPolicyEvents {
  onRetry?(attempt: number, error: unknown): void;
  onGiveUp?(error: unknown): void;
  onBreakerState?(state: BreakerStateName): void;
}

/** The composed policy for calls to the payment provider, built once per process. */
export interface ProviderPolicy {
  /** Runs `call` under timeout + retry + breaker; failures come out as coded errors. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  readonly state: BreakerStateName;
}


/** Failures worth another attempt and worth counting against the provider's health. */
const transient = (err: Error): boolean => err instanceof TaskCancelledError || isRetriable(err);

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Metrics and logs never break a payment.
  }
}

/**
 * retry(breaker(timeout(call))): each attempt is timed out on its own and counted by the
 * breaker; the retry stops at once when the breaker is open (nothing to gain by waiting in
 * process: the message is parked instead). Rejections (4xx) are neither retried nor counted.
 */
export function createProviderPolicy(options: ProviderPolicyOptions, events: ProviderPolicyEvents = {}): ProviderPolicy {
  // abortOnReturn would abort (and build a DOMException for) every successful call: costly at
  // thousands of calls a second, and pointless once the response is read.
  const timeoutPolicy = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const breaker = circuitBreaker(handleWhen(transient), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold),
  });
  const retryPolicy = retry(
    handleWhen((err) => !(err instanceof BrokenCircuitError) && transient(err)),
    {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: options.retryInitialMs, maxDelay: options.retryMaxMs }),
    },
  );
  retryPolicy.onRetry((event) => safely(() => events.onRetry?.(event.attempt, 'error' in event ? event.error : undefined)));
  retryPolicy.onGiveUp((event) => safely(() => events.onGiveUp?.('error' in event ? event.error : undefined)));
  breaker.onStateChange((state) => safely(() => events.onBreakerState?.(breakerStateName(state))));
  const policy: IPolicy = wrap(retryPolicy, breaker, timeoutPolicy);

  return {
    async execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
      try {
        return await policy.execute(async ({ signal }) => {
          try {
            return await call(signal);
          } catch (err) {
            // The timeout aborts the call; the call's own abort error wins the race, so name it here.
            if (signal.aborted) throw new ProviderTimeout([options.timeoutMs], { cause: err });
            throw err;
          }
        });
      } catch (err) {
        if (err instanceof BrokenCircuitError) throw new BreakerOpen([], { cause: err });
        if (err instanceof TaskCancelledError) throw new ProviderTimeout([options.timeoutMs], { cause: err });
        throw err;
      }
    },
    get state() {
      return breakerStateName(breaker.state);
    },
  };
}
