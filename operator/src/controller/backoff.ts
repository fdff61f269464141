/** Options for {@link KeyBackoff}. */
export interface BackoffOptions {
  /** First delay (default 500 ms). */
  baseMs?: number;
  /** Longest delay (default 5 minutes). */
  maxMs?: number;
}

/**
 * Per-key exponential backoff, as client-go's ItemExponentialFailureRateLimiter: each failure
 * of a key doubles its next delay up to a maximum; success forgets it. Keys do not slow each
 * other down.
 */
export class KeyBackoff {
  readonly #failures = new Map<string, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 500;
    this.#maxMs = options.maxMs ?? 300_000;
  }

  /** Records a failure and returns how long to wait before retrying the key. */
  next(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return Math.min(this.#maxMs, this.#baseMs * 2 ** n);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}
