import type { CacheEntry } from './entry.ts';
import { SingleFlight } from './single-flight.ts';
import type { CachePutResult, VersionedCache } from './versioned-cache.ts';

/**
 * Where an answer came from: `hit` fresh cache; `miss` the database (then cached); `stale` the
 * stale copy because the database failed; `bypass` the database because Redis failed.
 */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'bypass';

/** An entry and where it came from. */
export interface CachedRead {
  entry: CacheEntry;
  outcome: CacheOutcome;
  /** Why the database could not answer, when the outcome is `stale`. */
  loadError?: unknown;
}

/** Thrown when the database fails and no stale copy exists; carries the database's error. */
export class NothingToServe extends Error {
  constructor(cause: unknown) {
    super('the database failed and nothing is cached', { cause });
    this.name = 'NothingToServe';
  }
}

/** Options for {@link CachedReader}. */
export interface CachedReaderOptions {
  cache: VersionedCache;
  /** The entity kind, part of the key (`product`, `details`). */
  kind: string;
  /** TTL of the fresh copy for an entry just loaded (values and "not found" may differ). */
  freshTtlMs(entry: CacheEntry): number;
  /** Told when a request joins a load already in flight. */
  onJoin?(): void;
  /** Told what became of the put after a load. */
  onPut?(result: CachePutResult): void;
}

/**
 * Cache-aside reads of one entity kind: a fresh hit answers; a miss loads from the database
 * once however many requests wait for it (single-flight, lookup and load together) and caches
 * the result; a failed load answers from the stale copy. A flight ends only after its put, so a
 * request arriving later finds the value in Redis instead of starting a second load.
 */
export class CachedReader {
  readonly #options: CachedReaderOptions;
  readonly #flights = new SingleFlight<CachedRead>();

  constructor(options: CachedReaderOptions) {
    this.#options = options;
  }

  /** Reads `id`, loading it with `load` (already guarded by the database breaker) on a miss. */
  read(id: string, load: () => Promise<CacheEntry>): Promise<CachedRead> {
    return this.#flights.run(id, () => this.#lookupOrLoad(id, load), () => this.#options.onJoin?.());
  }

  /** A write of `id` happened: requests from now on must not join a flight that began before it. */
  forget(id: string): void {
    this.#flights.forget(id);
  }

  async #lookupOrLoad(id: string, load: () => Promise<CacheEntry>): Promise<CachedRead> {
    const { cache, kind } = this.#options;
    const cached = await cache.lookup(kind, id);
    if (cached.kind === 'hit') return { entry: cached.entry, outcome: 'hit' };
    let entry: CacheEntry;
    try {
      entry = await load();
    } catch (err) {
      const stale = cached.kind === 'unavailable' ? undefined : await cache.lookupStale(kind, id);
      if (stale === undefined) throw new NothingToServe(err);
      return { entry: stale, outcome: 'stale', loadError: err };
    }
    if (cached.kind === 'unavailable') return { entry, outcome: 'bypass' };
    this.#options.onPut?.(await cache.put(kind, id, entry, this.#options.freshTtlMs(entry)));
    return { entry, outcome: 'miss' };
  }
}
