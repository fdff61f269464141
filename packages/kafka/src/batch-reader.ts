import type { Readable } from 'node:stream';

/**
 * Collects a message stream into batches: `next()` resolves with what arrived once `maxRecords`
 * are in or `maxWaitMs` passed since the first one (or with nothing when `maxWaitMs` passes
 * idle). The stream is paused while a full batch waits, so memory stays bounded.
 */
export class BatchReader<T> {
  readonly #stream: Readable;
  readonly #maxRecords: number;
  readonly #maxWaitMs: number;
  #buffer: T[] = [];
  #notify: (() => void) | undefined;
  #error: Error | undefined;

  constructor(stream: Readable, options: { maxRecords: number; maxWaitMs: number }) {
    this.#stream = stream;
    this.#maxRecords = options.maxRecords;
    this.#maxWaitMs = options.maxWaitMs;
    stream.on('data', (m: T) => {
      this.#buffer.push(m);
      if (this.#buffer.length >= this.#maxRecords) stream.pause();
      this.#notify?.();
    });
    stream.on('error', (err: Error) => {
      this.#error = err;
      this.#notify?.();
    });
  }

  /** The next batch (possibly empty after an idle wait); throws what the stream failed with. */
  async next(signal?: AbortSignal): Promise<T[]> {
    const deadline = Date.now() + this.#maxWaitMs;
    while (this.#error === undefined && this.#buffer.length < this.#maxRecords && Date.now() < deadline && signal?.aborted !== true) {
      // Once the first record is in, wait at most the rest of maxWaitMs for more.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#notify = undefined;
      if (this.#buffer.length > 0 && this.#buffer.length >= this.#maxRecords) break;
    }
    if (this.#error !== undefined) throw this.#error;
    const batch = this.#buffer;
    this.#buffer = [];
    if (this.#stream.isPaused()) this.#stream.resume();
    return batch;
  }
}
