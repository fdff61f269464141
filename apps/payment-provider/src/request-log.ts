/** How many charge requests arrived, in total and per idempotency key. */
export interface RequestCounts {
  total: number;
  byKey: Record<string, number>;
}

/**
 * Counts every `POST /charges` the provider received, at the door: before validation, fault
 * injection or the ledger, so a refused or failed request counts too. The ledger collapses
 * repeats of a key into one charge; this log is how tests see how often a client asked.
 */
export class RequestLog {
  readonly #byKey = new Map<string, number>();
  #total = 0;

  /** Records one request; `key` is its Idempotency-Key header ('' when absent). */
  received(key: string): void {
    this.#total += 1;
    this.#byKey.set(key, (this.#byKey.get(key) ?? 0) + 1);
  }

  /** Counts for every key, or for `key` alone. */
  counts(key?: string): RequestCounts {
    if (key !== undefined) {
      const n = this.#byKey.get(key) ?? 0;
      return { total: n, byKey: n === 0 ? {} : { [key]: n } };
    }
    return { total: this.#total, byKey: Object.fromEntries(this.#byKey) };
  }

  clear(): void {
    this.#byKey.clear();
    this.#total = 0;
  }
}
