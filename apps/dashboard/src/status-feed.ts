import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@orderflow/logging';
import { OrderCreatedEvent, OrderStatusChangedEvent, startConsumer, type AmqpConnection, type Consumer } from '@orderflow/messaging';
import { Type } from '@sinclair/typebox';
import type { Channel } from 'amqplib';
import type { Registry } from '@orderflow/telemetry';
import type { BoardStore } from './board-store.ts';
import type { DashboardMetrics } from './metrics.ts';
import { declareStatusQueue } from './status-topology.ts';

const OrderEvent = Type.Union([OrderCreatedEvent, OrderStatusChangedEvent]);

/** Options of {@link StatusFeed}. */
export interface StatusFeedOptions {
  connection: AmqpConnection;
  store: BoardStore;
  queue: string;
  prefetch: number;
  logger: Logger;
  metrics: DashboardMetrics;
  registry?: Registry;
  /** How long a message whose write failed (Redis down) is held before it goes back to the queue. */
  retryDelayMs?: number;
}

/**
 * Consumes order events from the dashboard's queue into the Redis snapshot. Each message is
 * acked only after its compare-and-set ran, so a crash or a Redis outage redelivers it; a
 * redelivered or out-of-order event is a no-op there. Channels do not survive a reconnect, so a
 * new one (and the queue declaration) follows every `connect`.
 */
export class StatusFeed {
  readonly #o: StatusFeedOptions;
  #channel: Channel | undefined;
  #consumer: Consumer | undefined;
  #stopping = false;
  #restart: NodeJS.Timeout | undefined;

  constructor(options: StatusFeedOptions) {
    this.#o = options;
    options.connection.on('connect', () => this.#scheduleStart(0));
  }

  /** True while a channel is consuming (readiness). */
  get consuming(): boolean {
    return this.#consumer !== undefined;
  }

  /** Declares the queue and starts consuming; throws when the broker is unreachable. */
  async start(): Promise<void> {
    const { connection, store, queue, logger, metrics } = this.#o;
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) => logger.warn({ err: err.message }, 'status feed channel error'));
    channel.on('close', () => {
      if (this.#channel === channel) {
        this.#channel = undefined;
        this.#consumer = undefined;
      }
      if (!this.#stopping) this.#scheduleStart(1_000);
    });
    await declareStatusQueue(channel, queue);
    this.#channel = channel;
    this.#consumer = await startConsumer(channel, {
      queue,
      schema: OrderEvent,
      prefetch: this.#o.prefetch,
      ...(this.#o.registry === undefined ? {} : { registry: this.#o.registry }),
      handle: async (event) => {
        const seq = await store.applyOrderEvent(event);
        metrics.statusEvents.inc({ type: event.type, outcome: seq > 0 ? 'applied' : 'superseded' });
      },
      onError: async (err, event) => {
        metrics.statusEvents.inc({ type: event.type, outcome: 'failed' });
        logger.warn({ err: (err as Error).message, eventId: event.eventId }, 'could not write an order event to the board; it goes back to the queue');
        // Held a moment so a Redis outage does not spin the message between broker and replica.
        await sleep(this.#o.retryDelayMs ?? 1_000);
        return 'requeue' as const;
      },
      onInvalid: (err) => {
        metrics.statusEvents.inc({ type: 'invalid', outcome: 'rejected' });
        logger.warn({ err: err.message, code: err.code }, 'dropped a message that is not an order event');
      },
    });
    logger.info({ queue, prefetch: this.#o.prefetch }, 'consuming order events');
  }

  #scheduleStart(delayMs: number): void {
    if (this.#stopping || this.#channel !== undefined || this.#restart !== undefined) return;
    this.#restart = setTimeout(() => {
      this.#restart = undefined;
      if (this.#stopping || this.#channel !== undefined) return;
      this.start().catch((err: unknown) => {
        this.#o.logger.warn({ err: (err as Error).message }, 'could not start consuming order events; retrying');
        this.#scheduleStart(1_000);
      });
    }, delayMs);
  }

  /** No new deliveries; waits for the messages in hand to be written and acked, then closes the channel. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    await this.#consumer?.stop();
    await this.#channel?.close().catch(() => undefined);
  }
}
