import type { Channel, ConsumeMessage } from 'amqplib';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Registry } from 'prom-client';
import { InvalidMessage } from './errors.ts';
import { registerFormats } from './formats.ts';
import { messagingMetrics } from './metrics.ts';

// Event schemas use uuid and date-time; make parseMessage check them wherever it is imported.
registerFormats();

/** What to do with a message after its handler failed. */
export type FailureAction = 'requeue' | 'reject';

/** Options for {@link startConsumer}. */
export interface ConsumerOptions<S extends TSchema> {
  queue: string;
  /** The message body must match this schema; others are rejected (dead-lettered if the queue has a DLX). */
  schema: S;
  /** Unacknowledged messages the broker may hand this channel (default 50). */
  prefetch?: number;
  /** Handles one valid message; resolving acks it. */
  handle: (body: Static<S>, message: ConsumeMessage) => Promise<void>;
  /**
   * Decides what happens after `handle` threw (default: `reject`, no requeue, so a broken
   * message can never loop). Use it to republish to a delay queue and then return `reject`.
   */
  onError?: (err: unknown, body: Static<S>, message: ConsumeMessage) => Promise<FailureAction> | FailureAction;
  /** Told about bodies that are not JSON or do not fit the schema (they are rejected). */
  onInvalid?: (err: InstanceType<typeof InvalidMessage>, message: ConsumeMessage) => void;
  /**
   * The broker ended the subscription (the queue was deleted, or another broker-side cancel):
   * nothing more will arrive on it. Messages in hand still settle. The owner should report not
   * ready, declare the queue again and start a new consumer.
   */
  onCancelled?: () => void;
  registry?: Registry;
}

/** A running consumer. */
export interface Consumer {
  readonly consumerTag: string;
  /** True once the broker cancelled the subscription (see `onCancelled`). */
  readonly cancelled: boolean;
  /** Stops new deliveries and waits until every message in hand is settled. */
  stop(): Promise<void>;
}

/** Parses a JSON body and checks it against a compiled schema; throws `MESSAGING_ERR_INVALID_MESSAGE`. */
export function parseMessage<S extends TSchema>(
  queue: string,
  checker: ReturnType<typeof TypeCompiler.Compile<S>>,
  content: Buffer,
): Static<S> {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    throw new InvalidMessage([queue, 'body is not JSON']);
  }
  if (!checker.Check(body)) {
    const first = checker.Errors(body).First();
    throw new InvalidMessage([queue, first === undefined ? 'schema mismatch' : `${first.path || '/'} ${first.message}`]);
  }
  return body;
}

/**
 * Consumes `queue` with a prefetch window and manual acks: each message is parsed and
 * validated, handed to `handle`, then acked; handler failures go through `onError`. Messages
 * are handled concurrently up to the prefetch.
 */
export async function startConsumer<S extends TSchema>(channel: Channel, options: ConsumerOptions<S>): Promise<Consumer> {
  const { queue } = options;
  const checker = TypeCompiler.Compile(options.schema);
  const metrics = options.registry === undefined ? undefined : messagingMetrics(options.registry);
  const inHand = new Set<Promise<void>>();
  let cancelled = false;
  await channel.prefetch(options.prefetch ?? 50);

  const settle = async (message: ConsumeMessage): Promise<void> => {
    let body: Static<S>;
    try {
      body = parseMessage(queue, checker, message.content);
    } catch (err) {
      channel.reject(message, false);
      metrics?.consumed.inc({ queue, outcome: 'invalid' });
      options.onInvalid?.(err as InstanceType<typeof InvalidMessage>, message);
      return;
    }
    try {
      await options.handle(body, message);
      channel.ack(message);
      metrics?.consumed.inc({ queue, outcome: 'ack' });
    } catch (err) {
      let action: FailureAction = 'reject';
      try {
        action = options.onError === undefined ? 'reject' : await options.onError(err, body, message);
      } catch {
        action = 'reject';
      }
      channel.reject(message, action === 'requeue');
      metrics?.consumed.inc({ queue, outcome: action });
    }
  };

  const { consumerTag } = await channel.consume(
    queue,
    (message) => {
      if (message === null) {
        cancelled = true;
        options.onCancelled?.();
        return;
      }
      const p = settle(message).catch(() => undefined);
      inHand.add(p);
      void p.finally(() => inHand.delete(p));
    },
    { noAck: false },
  );

  return {
    consumerTag,
    get cancelled() {
      return cancelled;
    },
    async stop() {
      try {
        if (!cancelled) await channel.cancel(consumerTag);
      } catch {
        // The channel is already closed; nothing more will be delivered.
      }
      await Promise.allSettled([...inHand]);
    },
  };
}
