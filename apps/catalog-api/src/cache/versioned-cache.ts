import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry, type CacheEntry } from './entry.ts';

/**
 * Stores `entry` in the fresh key (TTL `ARGV[3]`) and the stale key (TTL `ARGV[4]`) unless
 * either already holds a newer version. Both versions are checked because the fresh key may
 * have expired while the stale one (or a tombstone) still remembers a newer write.
 */
const PUT_IF_NOT_OLDER = `
local function version_of(key)
  local raw = redis.call('GET', key)
  if not raw then return -1 end
  local v = string.match(raw, '^(%d+):')
  if not v then return -1 end
  return tonumber(v)
end
local incoming = tonumber(ARGV[1])
if incoming < version_of(KEYS[1]) or incoming < version_of(KEYS[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1
`;

/** What a fresh lookup found. */
export type CacheLookup = { kind: 'hit'; entry: CacheEntry } | { kind: 'miss' } | { kind: 'unavailable' };

/** What a put did: stored, refused because a newer version is cached, or Redis failed. */
export type CachePutResult = 'stored' | 'superseded' | 'unavailable';

/** Told about every Redis call's outcome; must not throw. */
export interface CacheObserver {
  redisFailed(op: 'get' | 'get_stale' | 'put', err: unknown): void;
  redisSucceeded(): void;
}

/** Options for {@link VersionedCache}. */
export interface VersionedCacheOptions {
  /** Prefix of every key (a deployment's, or a test's own). */
  prefix: string;
  /** How long the stale copy and tombstones live. */
  staleTtlMs: number;
  observer: CacheObserver;
  /** Failed puts remembered for a retry when Redis is back (the oldest are dropped beyond it). */
  maxPendingPuts?: number;
}

interface PendingPut {
  kind: string;
  id: string;
  entry: CacheEntry;
  freshTtlMs: number;
}

interface RedisWithPut extends Redis {
  catalogPutIfNotOlder(fresh: string, stale: string, version: number, value: string, freshTtlMs: number, staleTtlMs: number): Promise<number>;
}

/**
 * Versioned entries in Redis: a fresh copy with a short TTL and, beside it, a long-lived stale
 * copy for when the database fails. Writes are a compare-and-set on the version (a Lua script,
 * atomic in Redis), so an older value never replaces a newer one, whatever order writers and
 * slow readers arrive in. Redis failures never throw: they come back as `unavailable`.
 */
export class VersionedCache {
  readonly #redis: RedisWithPut;
  readonly #options: VersionedCacheOptions;
  readonly #pending = new Map<string, PendingPut>();

  constructor(redis: Redis, options: VersionedCacheOptions) {
    redis.defineCommand('catalogPutIfNotOlder', { numberOfKeys: 2, lua: PUT_IF_NOT_OLDER });
    this.#redis = redis as RedisWithPut;
    this.#options = options;
    redis.on('ready', () => void this.retryPendingPuts());
  }

  /** Puts that failed while Redis was down and wait for it to come back. */
  get pendingPuts(): number {
    return this.#pending.size;
  }

  /**
   * Replays the puts that failed while Redis was down (called when it is ready again). Without
   * this, a change written to the database during an outage would leave the version cached
   * before it in Redis until its TTL ran out. Replaying is safe in any order: the version check
   * refuses whatever a newer write has replaced meanwhile.
   */
  async retryPendingPuts(): Promise<void> {
    for (const [key, put] of [...this.#pending]) {
      if (this.#pending.get(key) !== put) continue;
      this.#pending.delete(key);
      if ((await this.put(put.kind, put.id, put.entry, put.freshTtlMs)) === 'unavailable') return;
    }
  }

  /** The fresh key; the hash tag keeps it in the stale key's cluster slot, as the script needs. */
  freshKey(kind: string, id: string): string {
    return `${this.#options.prefix}{${kind}:${id}}`;
  }

  staleKey(kind: string, id: string): string {
    return `${this.freshKey(kind, id)}:stale`;
  }

  /** The fresh entry, if one is cached and not expired. */
  async lookup(kind: string, id: string): Promise<CacheLookup> {
    try {
      const raw = await this.#redis.get(this.freshKey(kind, id));
      this.#options.observer.redisSucceeded();
      const entry = raw === null ? undefined : decodeEntry(raw);
      return entry === undefined ? { kind: 'miss' } : { kind: 'hit', entry };
    } catch (err) {
      this.#options.observer.redisFailed('get', err);
      return { kind: 'unavailable' };
    }
  }

  /** The last known entry, kept after the fresh one expired; undefined when none or Redis fails. */
  async lookupStale(kind: string, id: string): Promise<CacheEntry | undefined> {
    try {
      const raw = await this.#redis.get(this.staleKey(kind, id));
      this.#options.observer.redisSucceeded();
      return raw === null ? undefined : decodeEntry(raw);
    } catch (err) {
      this.#options.observer.redisFailed('get_stale', err);
      return undefined;
    }
  }

  /** Stores `entry` unless a newer version is cached (equal versions refresh the TTLs). */
  async put(kind: string, id: string, entry: CacheEntry, freshTtlMs: number): Promise<CachePutResult> {
    try {
      const stored = await this.#redis.catalogPutIfNotOlder(
        this.freshKey(kind, id),
        this.staleKey(kind, id),
        entry.version,
        encodeEntry(entry),
        freshTtlMs,
        this.#options.staleTtlMs,
      );
      this.#options.observer.redisSucceeded();
      return stored === 1 ? 'stored' : 'superseded';
    } catch (err) {
      this.#options.observer.redisFailed('put', err);
      this.#remember({ kind, id, entry, freshTtlMs });
      return 'unavailable';
    }
  }

  #remember(put: PendingPut): void {
    const key = this.freshKey(put.kind, put.id);
    const known = this.#pending.get(key);
    if (known !== undefined && known.entry.version > put.entry.version) return;
    this.#pending.delete(key);
    this.#pending.set(key, put);
    const max = this.#options.maxPendingPuts ?? 10_000;
    for (const oldest of this.#pending.keys()) {
      if (this.#pending.size <= max) break;
      this.#pending.delete(oldest);
    }
  }
}
