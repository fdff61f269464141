/**
 * In-process request coalescing: concurrent calls for one key share one execution of `fn`.
 * A write calls {@link SingleFlight.forget} so readers arriving after it start a fresh flight
 * instead of joining one that began before the write (and would return the older value).
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** Runs `fn` for `key`, or joins the run already in flight; `onJoin` is told when it joins. */
  run(key: string, fn: () => Promise<T>, onJoin?: () => void): Promise<T> {
    const inFlight = this.#flights.get(key);
    if (inFlight !== undefined) {
      onJoin?.();
      return inFlight;
    }
    const flight = fn().finally(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    this.#flights.set(key, flight);
    return flight;
  }

  /** Later calls for `key` start a new flight; callers already waiting keep theirs. */
  forget(key: string): void {
    this.#flights.delete(key);
  }

  /** Keys with a flight in progress. */
  get size(): number {
    return this.#flights.size;
  }
}
