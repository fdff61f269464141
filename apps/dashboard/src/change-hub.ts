import type { Logger } from '@orderflow/logging';
import type { Redis } from 'ioredis';
import type { BoardHeartbeat } from './board-messages.ts';
import type { BoardStore } from './board-store.ts';
import type { DashboardMetrics } from './metrics.ts';

/** The part of a WebSocket the hub uses (the `ws` socket fits; tests may pass their own). */
export interface BoardClient {
  send(text: string): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/** Why a client gets a snapshot. */
export type SnapshotReason = 'connect' | 'resync' | 'subscriber';

/** WebSocket close code for a client that read too slowly: it reconnects and resyncs. */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** WebSocket close code when the snapshot could not be read: the page reconnects with backoff. */
export const CLOSE_INTERNAL_ERROR = 1011;
/** WebSocket close code at shutdown: the page reconnects, to another replica behind the Service. */
export const CLOSE_GOING_AWAY = 1001;

interface Session {
  client: BoardClient;
  /** Changes that arrived while a snapshot was being read; sent after it if they are newer. */
  pending: { seq: number; text: string }[] | undefined;
  /** Bumped by every resync, so only the newest snapshot read of a session is sent. */
  generation: number;
}

/** Options of {@link ChangeHub}. */
export interface ChangeHubOptions {
  /** A connection used only for SUBSCRIBE. */
  subscriber: Redis;
  store: BoardStore;
  logger: Logger;
  metrics: DashboardMetrics;
  heartbeatMs: number;
  maxBufferedBytes: number;
}

/**
 * Fans the board's Redis channel out to this replica's browsers. A browser gets a snapshot
 * first, then every change with a higher sequence number: changes that arrive while its snapshot
 * is read are held and sent after it, so none falls between the two. After the subscription was
 * lost and re-established (messages may have been missed), every browser gets a fresh snapshot.
 * A heartbeat tells idle browsers the latest sequence number, so a lost change is noticed even
 * when nothing else happens.
 */
export class ChangeHub {
  readonly #o: ChangeHubOptions;
  readonly #sessions = new Map<BoardClient, Session>();
  #heartbeat: NodeJS.Timeout | undefined;
  #subscribed = false;
  #everReady = false;

  constructor(options: ChangeHubOptions) {
    this.#o = options;
  }

  /** True while the subscription is active (readiness). */
  get subscribed(): boolean {
    return this.#subscribed && this.#o.subscriber.status === 'ready';
  }

  /** Subscribes to the change channel and starts the heartbeat. */
  async start(): Promise<void> {
    const { subscriber, store, logger, metrics } = this.#o;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === store.channel) this.#dispatch(text);
    });
    subscriber.on('ready', () => {
      // ioredis re-subscribes by itself; whatever was published meanwhile is in the snapshot.
      if (!this.#everReady) return;
      metrics.subscriberReconnects.inc();
      logger.warn({ clients: this.#sessions.size }, 'Redis subscription re-established; resynchronising every browser');
      for (const session of this.#sessions.values()) void this.#sendSnapshot(session, 'subscriber');
    });
    subscriber.on('end', () => (this.#subscribed = false));
    await subscriber.subscribe(store.channel);
    this.#subscribed = true;
    this.#everReady = true;
    this.#heartbeat = setInterval(() => void this.#beat(), this.#o.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** A browser connected: it gets the snapshot, then live changes. */
  attach(client: BoardClient): void {
    const session: Session = { client, pending: undefined, generation: 0 };
    this.#sessions.set(client, session);
    this.#o.metrics.clients.set(this.#sessions.size);
    void this.#sendSnapshot(session, 'connect');
  }

  /** The browser asked again (it saw a sequence gap). */
  resync(client: BoardClient): void {
    const session = this.#sessions.get(client);
    if (session !== undefined) void this.#sendSnapshot(session, 'resync');
  }

  detach(client: BoardClient): void {
    this.#sessions.delete(client);
    this.#o.metrics.clients.set(this.#sessions.size);
  }

  /** Stops the heartbeat, asks every browser to go elsewhere, and unsubscribes. */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const session of this.#sessions.values()) session.client.close(CLOSE_GOING_AWAY, 'dashboard shutting down');
    this.#sessions.clear();
    this.#o.metrics.clients.set(0);
    this.#subscribed = false;
    await this.#o.subscriber.unsubscribe().catch(() => undefined);
  }

  #dispatch(text: string): void {
    let seq: number;
    try {
      seq = (JSON.parse(text) as { seq: number }).seq;
    } catch {
      this.#o.logger.warn({ text: text.slice(0, 200) }, 'ignored a message on the board channel that is not JSON');
      return;
    }
    for (const session of this.#sessions.values()) {
      if (session.pending !== undefined) session.pending.push({ seq, text });
      else this.#send(session, text);
    }
  }

  async #sendSnapshot(session: Session, reason: SnapshotReason): Promise<void> {
    const generation = ++session.generation;
    session.pending ??= [];
    let text: string;
    let seq: number;
    try {
      const snapshot = await this.#o.store.snapshot();
      text = JSON.stringify(snapshot);
      seq = snapshot.seq;
    } catch (err) {
      this.#o.logger.warn({ err: (err as Error).message }, 'could not read the board snapshot; the browser reconnects');
      if (this.#sessions.get(session.client) === session) session.client.close(CLOSE_INTERNAL_ERROR, 'board store unavailable');
      return;
    }
    // A later resync superseded this read, or the browser left meanwhile.
    if (generation !== session.generation || this.#sessions.get(session.client) !== session) return;
    const held = session.pending;
    session.pending = undefined;
    this.#o.metrics.snapshotsSent.inc({ reason });
    if (!this.#send(session, text)) return;
    for (const change of held) if (change.seq > seq && !this.#send(session, change.text)) return;
  }

  /** Sends unless the browser is too far behind: then it is closed (it reconnects and resyncs). */
  #send(session: Session, text: string): boolean {
    if (session.client.bufferedAmount > this.#o.maxBufferedBytes) {
      this.#o.metrics.clientsDropped.inc({ reason: 'slow' });
      this.detach(session.client);
      session.client.close(CLOSE_TRY_AGAIN_LATER, 'too far behind; reconnect to resynchronise');
      return false;
    }
    session.client.send(text);
    return true;
  }

  async #beat(): Promise<void> {
    let latestSeq: number;
    try {
      latestSeq = await this.#o.store.latestSeq();
    } catch {
      return; // Redis is down: readiness says so; the page keeps what it has.
    }
    const text = JSON.stringify({ kind: 'heartbeat', latestSeq } satisfies BoardHeartbeat);
    for (const session of this.#sessions.values()) if (session.pending === undefined) this.#send(session, text);
  }
}
