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
  processor: Omit<ProcessorDeps, 'ack' | 'onFatal' | 'logger'>;
  queue?: string;
}

/**
 * Consumes the payments queue on one channel with a processor bound to it. When the channel
 * or connection is lost, unacked messages go back to the queue (the broker redelivers them)
 * and a new channel and processor take over once the broker is reachable again.
 */
export class PaymentConsumer {
  readonly #options: PaymentConsumerOptions;
  #channel: Channel | undefined;
  #processor: PaymentProcessor | undefined;
  #consumerTag: string | undefined;
  #stopping = false;
  #restart: NodeJS.Timeout | undefined;

  constructor(options: PaymentConsumerOptions) {
    this.#options = options;
    options.connection.on('connect', () => this.#scheduleStart(0));
  }

  /** True while a channel is consuming. */
  get consuming(): boolean {
    return this.#consumerTag !== undefined;
  }

  async start(): Promise<void> {
    const { connection, prefetch, logger } = this.#options;
    const queue = this.#options.queue ?? QUEUES.payments;
    const channel = await connection.createChannel();
    const processor = new PaymentProcessor({
      ...this.#options.processor,
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
      if (!this.#stopping) this.#scheduleStart(1_000);
    });
    await channel.prefetch(prefetch);
    this.#channel = channel;
    this.#processor = processor;
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message !== null) processor.accept(message);
    });
    this.#consumerTag = consumerTag;
    logger.info({ queue, prefetch }, 'consuming');
  }

  #scheduleStart(delayMs: number): void {
    if (this.#stopping || this.#channel !== undefined || this.#restart !== undefined) return;
    this.#restart = setTimeout(() => {
      this.#restart = undefined;
      if (this.#stopping || this.#channel !== undefined) return;
      this.start().catch((err: unknown) => {
        this.#options.logger.warn({ err: (err as Error).message }, 'could not start consuming; retrying');
        this.#scheduleStart(1_000);
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
