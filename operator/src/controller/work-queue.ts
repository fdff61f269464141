import { KeyBackoff, type BackoffOptions } from './backoff.ts';

/** What a handler tells the queue after processing a key. */
export type HandlerResult = { requeueAfterMs?: number } | undefined | void;

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Keys processed at the same time (never the same key twice at once). Default 4. */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Called after each key with its outcome; feeds metrics. */
  onProcessed?: (key: string, durationMs: number, error: unknown) => void;
}

/**
 * A controller work queue (client-go's workqueue semantics): a key waiting is queued once
 * however often it is added; a key being processed is not handed to a second worker, and if
 * it is added meanwhile it is processed again afterwards; failures back off per key;
 * concurrency is bounded.
 */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #backoff: KeyBackoff;
  readonly #concurrency: number;
  readonly #onProcessed: WorkQueueOptions['onProcessed'];
  #handler: ((key: string) => Promise<HandlerResult>) | undefined;
  #shuttingDown = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions = {}) {
    this.#concurrency = options.concurrency ?? 4;
    this.#backoff = new KeyBackoff(options.backoff);
    this.#onProcessed = options.onProcessed;
  }

  /** Keys waiting (not counting those being processed or delayed). */
  get depth(): number {
    return this.#queue.length;
  }

  /** Keys being processed right now. */
  get active(): number {
    return this.#processing.size;
  }

  /** Adds a key now. A pending delayed add of the same key is superseded. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    const timer = this.#timers.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(key);
    }
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#pump();
  }

  /** Adds a key after a delay, unless it is added sooner. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const existing = this.#timers.get(key);
    if (existing !== undefined) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /** Starts handing keys to `handler`; a thrown error backs the key off, success forgets it. */
  start(handler: (key: string) => Promise<HandlerResult>): void {
    this.#handler = handler;
    this.#pump();
  }

  #pump(): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    while (this.#processing.size < this.#concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#queued.delete(key);
      this.#processing.add(key);
      void this.#process(key, handler);
    }
    if (this.#processing.size === 0 && this.#queue.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async #process(key: string, handler: (key: string) => Promise<HandlerResult>): Promise<void> {
    const started = performance.now();
    let error: unknown;
    let requeueAfterMs: number | undefined;
    try {
      const result = await handler(key);
      requeueAfterMs = result?.requeueAfterMs;
      this.#backoff.forget(key);
    } catch (err) {
      error = err;
    }
    this.#onProcessed?.(key, performance.now() - started, error);
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
    else if (error !== undefined) this.addAfter(key, this.#backoff.next(key));
    else if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    this.#pump();
  }

  /** Failures recorded for a key since its last success. */
  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Stops accepting keys, drops delayed ones and waits for keys in progress to finish. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    this.#dirty.clear();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }
}
