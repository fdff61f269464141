import type { Logger } from '@orderflow/logging';
import { QUEUES, type AmqpConnection } from '@orderflow/messaging';
import type { Channel } from 'amqplib';
import { PaymentProcessor, type ProcessorDeps } from './processor.ts';

/** Options of {@link PaymentConsumer}. */
export interface PaymentConsumerOptions {
  connection: AmqpConnection;
  prefetch: number;
  logger: Logger;
  /** Everything the per-channel processor needs except the channel-bound parts. */
  processor: Omit<ProcessorDeps, 'ack' | 'onFatal' | 'logger' | 'queue'>;
  /** Declares the queue and everything it needs (idempotent); run before every subscribe. */
  declareTopology: (channel: Channel) => Promise<void>;
  queue?: string;
  /** First delay before subscribing again after a failure; doubles up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** How long messages in hand may take to settle after the broker cancelled the subscription. */
  cancelDrainTimeoutMs?: number;
}

/**
 * Consumes the payments queue on one channel with a processor bound to it, and keeps doing so:
 * when the channel or connection is lost, unacked messages go back to the queue (the broker
 * redelivers them), and when the broker cancels the subscription (the queue was deleted), the
 * messages in hand are settled and the channel closed. Either way a new channel declares the
 * topology again and subscribes, with backoff while that fails. `consuming` is true only while
 * a subscription is live, which is what readiness reports.
 */
export class PaymentConsumer {
  readonly #options: PaymentConsumerOptions;
  #channel: Channel | undefined;
  #processor: PaymentProcessor | undefined;
  #consumerTag: string | undefined;
  #stopping = false;
  #restart: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(options: PaymentConsumerOptions) {
    this.#options = options;
    options.connection.on('connect', () => this.#scheduleStart(0));
  }

  /** True while a channel is subscribed to the queue. */
  get consuming(): boolean {
    return this.#consumerTag !== undefined;
  }

  get #queue(): string {
    return this.#options.queue ?? QUEUES.payments;
  }

  /** Declares the topology and subscribes; throws when either fails (the caller retries). */
  async start(): Promise<void> {
    const { connection, prefetch, logger } = this.#options;
    const queue = this.#queue;
    await this.#declare();
    const channel = await connection.createChannel();
    const processor = new PaymentProcessor({
      ...this.#options.processor,
      queue,
      logger,
      // amqplib reads only `fields.deliveryTag` of the message it is given.
      ack: (op) => channel.ack({ fields: { deliveryTag: op.tag } } as Parameters<Channel['ack']>[0], op.multiple),
      onFatal: () => {
        // Closing the channel hands every unacked message back to the broker.
        channel.close().catch(() => undefined);
      },
    });
    channel.on('error', (err: Error) => logger.warn({ err: err.message }, 'consumer channel error'));
    channel.on('close', () => {
      processor.abandon();
      if (this.#channel === channel) {
        this.#channel = undefined;
        this.#processor = undefined;
        this.#consumerTag = undefined;
      }
      if (!this.#stopping) this.#scheduleStart(this.#restartDelay());
    });
    await channel.prefetch(prefetch);
    this.#channel = channel;
    this.#processor = processor;
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message === null) {
        this.#cancelledByBroker(channel, processor);
        return;
      }
      processor.accept(message);
    });
    this.#consumerTag = consumerTag;
    this.#failures = 0;
    logger.info({ queue, prefetch }, 'consuming');
  }

  async #declare(): Promise<void> {
    // Its own channel: a refused declaration closes the channel it was made on.
    const setup = await this.#options.connection.createChannel();
    setup.on('error', () => undefined);
    try {
      await this.#options.declareTopology(setup);
    } finally {
      await setup.close().catch(() => undefined);
    }
  }

  /** The broker ended the subscription (queue deleted, or a cancel): settle what is in hand, then start over. */
  #cancelledByBroker(channel: Channel, processor: PaymentProcessor): void {
    if (this.#channel !== channel) return;
    this.#consumerTag = undefined;
    const { logger, cancelDrainTimeoutMs = 10_000 } = this.#options;
    logger.warn({ queue: this.#queue, inHand: processor.inHand }, 'the broker cancelled the subscription; declaring the topology again and resubscribing');
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([processor.drain(), new Promise((resolve) => (timer = setTimeout(resolve, cancelDrainTimeoutMs)))]).then(() => {
      clearTimeout(timer);
      // The close handler schedules the new subscription.
      channel.close().catch(() => undefined);
    });
  }

  #restartDelay(): number {
    const { restartDelayMs = 1_000, maxRestartDelayMs = 30_000 } = this.#options;
    return Math.min(restartDelayMs * 2 ** Math.min(this.#failures, 16), maxRestartDelayMs);
  }

  #scheduleStart(delayMs: number): void {
    if (this.#stopping || this.#channel !== undefined || this.#restart !== undefined) return;
    this.#restart = setTimeout(() => {
      this.#restart = undefined;
      if (this.#stopping || this.#channel !== undefined) return;
      this.start().catch((err: unknown) => {
        this.#failures += 1;
        const delay = this.#restartDelay();
        this.#options.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'could not declare the topology or subscribe; retrying');
        this.#scheduleStart(delay);
      });
    }, delayMs);
  }

  /**
   * Graceful stop: no new deliveries, every message in hand is charged, written and acked
   * (within `timeoutMs`), then the channel closes; anything still unacked is redelivered.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    const channel = this.#channel;
    const processor = this.#processor;
    if (channel === undefined) return;
    if (this.#consumerTag !== undefined) await channel.cancel(this.#consumerTag).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([processor?.drain(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await channel.close().catch(() => undefined);
  }
}
