import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpen, ProviderRejected, ProviderTimeout, ProviderUnavailable } from './errors.ts';
import { createProviderPolicy, type ProviderPolicyOptions } from './provider-policy.ts';

const base: ProviderPolicyOptions = { timeoutMs: 1_000, retries: 2, retryInitialMs: 100, retryMaxMs: 400, breakerThreshold: 100, halfOpenAfterMs: 5_000 };

/** A call that fails `failures` times with `error`, then answers `ok`. */
function flaky(failures: number, error: () => Error = () => new ProviderUnavailable(['503'])) {
  let calls = 0;
  const fn = (): Promise<string> => {
    calls += 1;
    return calls <= failures ? Promise.reject(error()) : Promise.resolve('ok');
  };
  return { fn, calls: () => calls };
}

describe('provider policy', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const retries: number[] = [];
    const policy = createProviderPolicy(base, { onRetry: (attempt) => retries.push(attempt) });
    const call = flaky(2);
    const result = policy.execute(call.fn);
    // Nothing is retried before the backoff delay elapses.
    await vi.advanceTimersByTimeAsync(0);
    expect(call.calls()).toBe(1);
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(call.calls()).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the configured retries with the last error', async () => {
    const gaveUp: unknown[] = [];
    const policy = createProviderPolicy(base, { onGiveUp: (err) => gaveUp.push(err) });
    const call = flaky(10);
    const result = policy.execute(call.fn);
    const settled = expect(result).rejects.toSatisfy((err) => ProviderUnavailable.is(err));
    await vi.runAllTimersAsync();
    await settled;
    expect(call.calls()).toBe(3);
    expect(gaveUp).toHaveLength(1);
  });

  it('never retries a rejection, and a rejection does not count against the breaker', async () => {
    const policy = createProviderPolicy({ ...base, breakerThreshold: 1 });
    const call = flaky(1, () => new ProviderRejected([400, 'PROVIDER_ERR_VALIDATION']));
    await expect(policy.execute(call.fn)).rejects.toSatisfy((err) => ProviderRejected.is(err));
    expect(call.calls()).toBe(1);
    expect(policy.state).toBe('closed');
  });

  it('opens after consecutive failures, fails fast while open, closes after a good trial call', async () => {
    const states: string[] = [];
    const policy = createProviderPolicy({ ...base, retries: 0, breakerThreshold: 3 }, { onBreakerState: (s) => states.push(s) });
    const failing = flaky(100);
    for (let i = 0; i < 3; i++) await expect(policy.execute(failing.fn)).rejects.toSatisfy((err) => ProviderUnavailable.is(err));
    expect(policy.state).toBe('open');

    const healthy = flaky(0);
    await expect(policy.execute(healthy.fn)).rejects.toSatisfy((err) => BreakerOpen.is(err));
    expect(healthy.calls()).toBe(0);

    await vi.advanceTimersByTimeAsync(base.halfOpenAfterMs);
    await expect(policy.execute(healthy.fn)).resolves.toBe('ok');
    expect(healthy.calls()).toBe(1);
    expect(policy.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('stops retrying as soon as the breaker opens', async () => {
    const policy = createProviderPolicy({ ...base, retries: 5, breakerThreshold: 2 });
    const call = flaky(100);
    const result = policy.execute(call.fn);
    const settled = expect(result).rejects.toSatisfy((err) => BreakerOpen.is(err));
    await vi.runAllTimersAsync();
    await settled;
    expect(call.calls()).toBe(2);
  });

  it('times out a call that does not answer and aborts it', async () => {
    const policy = createProviderPolicy({ ...base, retries: 0, timeoutMs: 250 });
    let aborted = false;
    const hanging = (signal: AbortSignal): Promise<string> =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    const result = policy.execute(hanging);
    const settled = expect(result).rejects.toSatisfy((err) => ProviderTimeout.is(err));
    await vi.advanceTimersByTimeAsync(249);
    expect(aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
    expect(aborted).toBe(true);
  });
});
