import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@orderflow/logging';
import { KubeRequestFailed, KubeUnreachable } from '../errors.ts';
import type { KubeClient, WatchEvent } from '../kube/kube-client.ts';

interface Listed<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

/** Something with Kubernetes object metadata. */
export interface HasMeta {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

/** Options for {@link Informer}. */
export interface InformerOptions<T> {
  /** Collection path, e.g. /apis/orderflow.dev/v1alpha1/orderpipelines. */
  path: string;
  labelSelector?: string;
  /** A watch that sends nothing (not even a bookmark) for this long is restarted. */
  idleMs: number;
  onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T, old: T | undefined) => void;
  log: Logger;
  /** Called when a watch is restarted, with why (ended, idle, gone, error). */
  onRestart?: (why: string) => void;
}

/** Drops what the operator never reads and costs the most memory per cached object. */
function slim<T extends HasMeta>(o: T): T {
  delete (o.metadata as { managedFields?: unknown }).managedFields;
  return o;
}

function keyOf(o: HasMeta): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * A cache of one kind kept current by list + watch. Watches resume from the last
 * resourceVersion seen (bookmarks included); an expired version (410 Gone) re-lists; a watch
 * that goes quiet past `idleMs` is cut by a watchdog and resumed.
 */
const INITIAL_LIST_ATTEMPTS = 12;

/** Worth another try: throttled, server-side failures, or no answer at all. */
function transient(err: unknown): boolean {
  if (KubeUnreachable.is(err)) return true;
  if (!KubeRequestFailed.is(err)) return false;
  const status = err.details?.status;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

export class Informer<T extends HasMeta> {
  readonly cache = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  readonly #abort = new AbortController();
  readonly #o: InformerOptions<T>;
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.#o = options;
  }

  /** True once the first list has filled the cache. */
  get synced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /**
   * Lists, then watches until {@link stop}. Resolves after the first list. A list the API
   * server cannot answer yet (429 while a new CRD's storage initialises, 5xx, unreachable) is
   * retried with backoff for up to `INITIAL_LIST_ATTEMPTS`; anything else fails at once.
   */
  async start(client: KubeClient): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#list(client);
        break;
      } catch (err) {
        if (this.#abort.signal.aborted || attempt >= INITIAL_LIST_ATTEMPTS || !transient(err)) throw err;
        this.#o.log.warn({ err, path: this.#o.path, attempt }, 'initial list failed; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** attempt), undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
    this.#loop = this.#watchLoop(client);
  }

  async #list(client: KubeClient): Promise<void> {
    const listed = await client.request<Listed<T>>('GET', this.#o.path, { query: { labelSelector: this.#o.labelSelector } });
    if (listed === undefined) throw new KubeRequestFailed([`LIST ${this.#o.path}`, 0, 'empty response']);
    const seen = new Set<string>();
    for (const item of listed.items.map(slim)) {
      const key = keyOf(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (old === undefined) this.#o.onEvent('ADDED', item, undefined);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.#o.onEvent('MODIFIED', item, old);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.#o.onEvent('DELETED', old, old);
      }
    }
    this.#resourceVersion = listed.metadata.resourceVersion;
    this.#synced = true;
  }

  async #watchLoop(client: KubeClient): Promise<void> {
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      let gone = false;
      try {
        const outcome = await client.watch<T>(
          this.#o.path,
          { labelSelector: this.#o.labelSelector, resourceVersion: this.#resourceVersion, timeoutSeconds: 300 },
          (event) => {
            if (this.#handle(event)) gone = true;
          },
          { signal: this.#abort.signal, idleMs: this.#o.idleMs },
        );
        if (outcome === 'aborted') return;
        failures = 0;
        if (outcome === 'idle') {
          // Normal for a kind nobody changes; a dead connection looks the same, hence the restart.
          this.#o.log.debug({ path: this.#o.path, resourceVersion: this.#resourceVersion }, 'watch went quiet; restarting it from the last resourceVersion');
        }
        this.#o.onRestart?.(gone ? 'gone' : outcome);
      } catch (err) {
        failures++;
        this.#o.onRestart?.('error');
        this.#o.log.warn({ err, path: this.#o.path }, 'watch failed; retrying');
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
      if (gone) {
        // The resourceVersion expired: only a fresh list brings the cache back in step.
        try {
          await this.#list(client);
        } catch (err) {
          this.#o.log.warn({ err, path: this.#o.path }, 're-list failed; retrying');
          await sleep(1000, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        }
      }
    }
  }

  /** Applies one watch event; returns true when the watch's resourceVersion is too old. */
  #handle(event: WatchEvent<T>): boolean {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number };
      if (status.code === 410) return true;
      this.#o.log.warn({ status }, 'watch error event');
      return false;
    }
    const rv = event.object.metadata.resourceVersion;
    if (rv !== undefined) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return false;
    const key = keyOf(slim(event.object));
    const old = this.cache.get(key);
    if (event.type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, event.object);
    this.#o.onEvent(event.type, event.object, old);
    return false;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }
}
