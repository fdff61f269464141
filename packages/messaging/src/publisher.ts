import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Registry } from 'prom-client';
import type { AmqpConnection } from './connection.ts';
import { ChannelClosed, ConfirmTimeout, PublishNacked, TopologyFailed, Unroutable } from './errors.ts';
import { messagingMetrics, publisherMetrics, type MessagingMetrics, type PublisherMetrics } from './metrics.ts';
import { ReturnTracker } from './return-tracker.ts';

function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}

/** One message to publish; always persistent, JSON unless `body` is a Buffer. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  body: Buffer | object;
  /** The event id; consumers deduplicate on it. */
  messageId: string;
  /** The event type (`order.created`, ...). */
  type: string;
  headers?: Record<string, unknown>;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
  /**
   * Publish as `mandatory` (default true): a message no queue receives is returned by the broker
   * and its publish fails with `MESSAGING_ERR_UNROUTABLE`. Only notifications whose subscribers
   * are optional (nobody bound means nobody wants it) pass false.
   */
  mandatory?: boolean;
}

/** Options for {@link ConfirmPublisher}. */
export interface ConfirmPublisherOptions {
  /** Unconfirmed messages allowed in flight before publishing waits (default 500). */
  window?: number;
  /** Where `amqp_messages_published_total`, the confirm histogram and topology counts go. */
  registry?: Registry;
  /**
   * Longest wait for a batch, from opening its channel to its last confirm (default 30 s). When
   * it passes the batch fails with retriable `MESSAGING_ERR_CONFIRM_TIMEOUT` and the channel is
   * abandoned, so a caller holding a database transaction can release it.
   */
  confirmTimeoutMs?: number;
  /**
   * Declares what this publisher publishes into. Run on every new channel before its first
   * publish (so nothing is published before the topology exists, after a start or a reconnect,
   * or after a publish hit a deleted exchange, which closes the channel), and again after a
   * message came back unroutable (a deleted queue or binding). Must be idempotent.
   */
  topology?: (channel: Channel) => Promise<void>;
}

interface PublishChannel {
  channel: ConfirmChannel;
  returns: ReturnTracker;
  /** Whether `topology` ran on this channel since it opened or since the last return. */
  declared: boolean;
}

interface BatchState {
  failure: Error | undefined;
  wake: (() => void) | undefined;
  /** Messages published and not yet confirmed, nacked or failed, by exchange. */
  unsettled: Map<string, number>;
  /** The deadline passed: the outstanding messages were counted as `timeout` then. */
  timedOut: boolean;
}

/**
 * Publishes batches on one confirm channel and resolves only when the broker confirmed every
 * message of the batch and returned none; rejects (retriable) when any was nacked or returned,
 * the channel closed first, or the confirms did not arrive in time. The channel is created
 * lazily and again after it closed (for example after a reconnect or a missing exchange).
 */
export class ConfirmPublisher {
  readonly #connection: AmqpConnection;
  readonly #window: number;
  readonly #confirmTimeoutMs: number;
  readonly #topology: ((channel: Channel) => Promise<void>) | undefined;
  readonly #metrics: MessagingMetrics | undefined;
  readonly #publisherMetrics: PublisherMetrics | undefined;
  #channel: Promise<PublishChannel> | undefined;

  constructor(connection: AmqpConnection, options: ConfirmPublisherOptions = {}) {
    this.#connection = connection;
    this.#window = options.window ?? 500;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.#topology = options.topology;
    this.#metrics = options.registry === undefined ? undefined : messagingMetrics(options.registry);
    this.#publisherMetrics = options.registry === undefined ? undefined : publisherMetrics(options.registry);
  }

  #getChannel(): Promise<PublishChannel> {
    if (this.#channel === undefined) {
      const pending = this.#connection.createConfirmChannel().then((channel) => {
        const state: PublishChannel = { channel, returns: new ReturnTracker(), declared: false };
        const forget = (): void => {
          if (this.#channel === pending) this.#channel = undefined;
        };
        channel.on('close', forget);
        // A channel error (for example an unknown exchange) also closes it; 'close' follows.
        channel.on('error', forget);
        channel.on('return', (msg: ConsumeMessage) => {
          const { exchange, routingKey } = msg.fields;
          const { replyCode, replyText } = msg.fields as unknown as { replyCode: number; replyText: string };
          // The bindings changed under us: declare again before the next publish.
          if (state.returns.returned(exchange, routingKey, msg.properties.messageId as string | undefined, { replyCode, replyText })) state.declared = false;
        });
        return state;
      });
      pending.catch(() => {
        if (this.#channel === pending) this.#channel = undefined;
      });
      this.#channel = pending;
    }
    return this.#channel;
  }

  async #ensureTopology(state: PublishChannel): Promise<void> {
    if (this.#topology === undefined || state.declared) return;
    try {
      await this.#topology(state.channel);
    } catch (err) {
      this.#publisherMetrics?.topologyDeclarations.inc({ outcome: 'failed' });
      throw new TopologyFailed([err instanceof Error ? err.message : String(err)], { cause: err });
    }
    state.declared = true;
    this.#publisherMetrics?.topologyDeclarations.inc({ outcome: 'ok' });
  }

  /** Forgets the current channel (its confirms are overdue) and closes it in the background. */
  #abandonChannel(): void {
    const pending = this.#channel;
    this.#channel = undefined;
    // Closing waits for the broker's close-ok, which may be as stuck as the confirms were.
    void pending?.then(
      (s) => s.channel.close().catch(() => undefined),
      () => undefined,
    );
  }

  /**
   * Publishes every message and waits for all confirms, within `confirmTimeoutMs`. An empty
   * batch resolves at once.
   */
  async publishBatch(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const started = process.hrtime.bigint();
    const batch: BatchState = { failure: undefined, wake: undefined, unsettled: new Map(), timedOut: false };
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ConfirmTimeout([this.#confirmTimeoutMs, messages.length]);
        batch.timedOut = true;
        // The abandoned channel may never report on them: count them now.
        for (const [exchange, n] of batch.unsettled) if (n > 0) this.#metrics?.published.inc({ exchange, outcome: 'timeout' }, n);
        batch.failure ??= error;
        batch.wake?.();
        reject(error);
      }, this.#confirmTimeoutMs);
    });
    const work = (async () => {
      const state = await this.#getChannel();
      await this.#ensureTopology(state);
      await this.#publishAll(state, messages, batch);
    })();
    try {
      await Promise.race([work, overdue]);
    } catch (err) {
      if (ConfirmTimeout.is(err)) {
        this.#abandonChannel();
        // Late confirms or errors of the abandoned attempt have nobody left to tell.
        work.catch(() => undefined);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.#metrics?.confirmSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  async #publishAll(state: PublishChannel, messages: readonly OutgoingMessage[], batch: BatchState): Promise<void> {
    const { channel } = state;
    let inFlight = 0;
    const confirms: Promise<void>[] = [];

    for (const m of messages) {
      if (batch.failure !== undefined) break;
      while (inFlight >= this.#window && batch.failure === undefined) {
        await new Promise<void>((resolve) => (batch.wake = resolve));
      }
      if (batch.failure !== undefined) break;
      const content = Buffer.isBuffer(m.body) ? m.body : Buffer.from(JSON.stringify(m.body));
      const options: Options.Publish = {
        persistent: true,
        mandatory: m.mandatory ?? true,
        contentType: Buffer.isBuffer(m.body) ? 'application/octet-stream' : 'application/json',
        messageId: m.messageId,
        type: m.type,
        timestamp: Math.floor((m.timestamp ?? Date.now()) / 1000),
        headers: m.headers ?? {},
      };
      inFlight += 1;
      batch.unsettled.set(m.exchange, (batch.unsettled.get(m.exchange) ?? 0) + 1);
      const tracked = state.returns.track(m.exchange, m.routingKey, m.messageId);
      let settle!: { resolve: () => void; reject: (err: Error) => void };
      confirms.push(new Promise<void>((resolve, reject) => (settle = { resolve, reject })));
      const done = (err: unknown): void => {
        inFlight -= 1;
        batch.unsettled.set(m.exchange, (batch.unsettled.get(m.exchange) ?? 1) - 1);
        state.returns.settle(tracked);
        const w = batch.wake;
        batch.wake = undefined;
        w?.();
        // The confirm of a returned message is an ack: the return, which came first, decides.
        const error = this.#failureOf(m, err, tracked.returned);
        if (error === undefined) {
          if (!batch.timedOut) this.#metrics?.published.inc({ exchange: m.exchange, outcome: 'confirmed' });
          settle.resolve();
          return;
        }
        const outcome = Unroutable.is(error) ? 'returned' : PublishNacked.is(error) ? 'nacked' : 'failed';
        if (!batch.timedOut) this.#metrics?.published.inc({ exchange: m.exchange, outcome });
        batch.failure ??= error;
        settle.reject(error);
      };
      let flushed = true;
      try {
        flushed = channel.publish(m.exchange, m.routingKey, content, options, done);
      } catch (err) {
        done(err);
      }
      // The socket buffer is full: let it drain before writing more.
      if (!flushed && batch.failure === undefined) await drained(channel);
    }
    const results = await Promise.allSettled(confirms);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason as Error;
  }

  #failureOf(m: OutgoingMessage, err: unknown, returned: { replyCode: number; replyText: string } | undefined): Error | undefined {
    if (err === null || err === undefined) {
      return returned === undefined ? undefined : new Unroutable([m.exchange, m.routingKey, `${returned.replyCode} ${returned.replyText}`]);
    }
    if (err instanceof Error && err.message === 'message nacked') return new PublishNacked([m.exchange]);
    return new ChannelClosed([err instanceof Error ? err.message : 'publish failed'], { cause: err });
  }

  /** Closes the channel (the connection is the caller's). */
  async close(): Promise<void> {
    const pending = this.#channel;
    this.#channel = undefined;
    if (pending === undefined) return;
    try {
      const { channel } = await pending;
      await channel.close();
    } catch {
      // Already closed with its connection; nothing left to release.
    }
  }
}
