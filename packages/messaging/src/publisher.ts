import type { ConfirmChannel, Options } from 'amqplib';
import type { Registry } from 'prom-client';
import type { AmqpConnection } from './connection.ts';
import { ChannelClosed, PublishNacked } from './errors.ts';
import { messagingMetrics, type MessagingMetrics } from './metrics.ts';

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
}

/** Options for {@link ConfirmPublisher}. */
export interface ConfirmPublisherOptions {
  /** Unconfirmed messages allowed in flight before publishing waits (default 500). */
  window?: number;
  /** Where `amqp_messages_published_total` and the confirm histogram go. */
  registry?: Registry;
}

/**
 * Publishes batches on one confirm channel and resolves only when the broker confirmed every
 * message of the batch; rejects (retriable) when any was nacked or the channel closed first.
 * The channel is created lazily and again after it closed (for example after a reconnect).
 */
export class ConfirmPublisher {
  readonly #connection: AmqpConnection;
  readonly #window: number;
  readonly #metrics: MessagingMetrics | undefined;
  #channel: Promise<ConfirmChannel> | undefined;

  constructor(connection: AmqpConnection, options: ConfirmPublisherOptions = {}) {
    this.#connection = connection;
    this.#window = options.window ?? 500;
    this.#metrics = options.registry === undefined ? undefined : messagingMetrics(options.registry);
  }

  #getChannel(): Promise<ConfirmChannel> {
    if (this.#channel === undefined) {
      const pending = this.#connection.createConfirmChannel().then((ch) => {
        const forget = (): void => {
          if (this.#channel === pending) this.#channel = undefined;
        };
        ch.on('close', forget);
        // A channel error (for example an unknown exchange) also closes it; 'close' follows.
        ch.on('error', forget);
        return ch;
      });
      pending.catch(() => {
        if (this.#channel === pending) this.#channel = undefined;
      });
      this.#channel = pending;
    }
    return this.#channel;
  }

  /** Publishes every message and waits for all confirms. An empty batch resolves at once. */
  async publishBatch(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const channel = await this.#getChannel();
    const started = process.hrtime.bigint();
    let inFlight = 0;
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    const confirms: Promise<void>[] = [];

    for (const m of messages) {
      if (failure !== undefined) break;
      while (inFlight >= this.#window && failure === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const content = Buffer.isBuffer(m.body) ? m.body : Buffer.from(JSON.stringify(m.body));
      const options: Options.Publish = {
        persistent: true,
        contentType: Buffer.isBuffer(m.body) ? 'application/octet-stream' : 'application/json',
        messageId: m.messageId,
        type: m.type,
        timestamp: Math.floor((m.timestamp ?? Date.now()) / 1000),
        headers: m.headers ?? {},
      };
      inFlight += 1;
      let settle!: { resolve: () => void; reject: (err: Error) => void };
      confirms.push(new Promise<void>((resolve, reject) => (settle = { resolve, reject })));
      const done = (err: unknown): void => {
        inFlight -= 1;
        const w = wake;
        wake = undefined;
        w?.();
        if (err === null || err === undefined) {
          this.#metrics?.published.inc({ exchange: m.exchange, outcome: 'confirmed' });
          settle.resolve();
          return;
        }
        const error =
          err instanceof Error && err.message === 'message nacked'
            ? new PublishNacked([m.exchange])
            : new ChannelClosed([err instanceof Error ? err.message : 'publish failed'], { cause: err });
        this.#metrics?.published.inc({ exchange: m.exchange, outcome: PublishNacked.is(error) ? 'nacked' : 'failed' });
        failure ??= error;
        settle.reject(error);
      };
      let flushed = true;
      try {
        flushed = channel.publish(m.exchange, m.routingKey, content, options, done);
      } catch (err) {
        done(err);
      }
      // The socket buffer is full: let it drain before writing more.
      if (!flushed && failure === undefined) await drained(channel);
    }
    const results = await Promise.allSettled(confirms);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason as Error;
    this.#metrics?.confirmSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Closes the channel (the connection is the caller's). */
  async close(): Promise<void> {
    const pending = this.#channel;
    this.#channel = undefined;
    if (pending === undefined) return;
    try {
      const ch = await pending;
      await ch.close();
    } catch {
      // Already closed with its connection; nothing left to release.
    }
  }
}
