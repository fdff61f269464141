/** Latency and failure injection, set from the environment and changeable at runtime. */
export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  failureRate: number;
}

/** Holds the current fault settings and decides, per request, delay and failure. */
export class Faults {
  #settings: FaultSettings;
  readonly #random: () => number;

  constructor(initial: FaultSettings, options: { random?: () => number } = {}) {
    this.#settings = { ...initial };
    this.#random = options.random ?? Math.random;
  }

  get settings(): Readonly<FaultSettings> {
    return { ...this.#settings };
  }

  update(patch: Partial<FaultSettings>): Readonly<FaultSettings> {
    this.#settings = { ...this.#settings, ...patch };
    return this.settings;
  }

  /** Milliseconds to wait before answering this request. */
  delayMs(): number {
    const { latencyMs, jitterMs } = this.#settings;
    return jitterMs > 0 ? latencyMs + Math.floor(this.#random() * (jitterMs + 1)) : latencyMs;
  }

  /** Whether this request should be answered with a simulated outage. */
  shouldFail(): boolean {
    const { failureRate } = this.#settings;
    return failureRate >= 1 || (failureRate > 0 && this.#random() < failureRate);
  }
}
