import { EVENT_TYPES, HEADERS, QUEUES, type AmqpConnection, type ConfirmPublisher } from '@orderflow/messaging';
import { endSpanWithError, extractTraceContext, startMessagingSpan, traceHeadersOf } from '@orderflow/telemetry';
import { PAYMENT_HEADERS } from './headers.ts';
import { sourceQueueOf } from './replay-source.ts';

/** Options of {@link replayDeadLetters}. */
export interface ReplayOptions {
  /** Most messages to move (or inspect). */
  limit: number;
  /** Look without moving: messages are read and handed back to the DLQ untouched. */
  dryRun: boolean;
}

/** One dead letter as the replay saw it. */
export interface ReplayedMessage {
  messageId: string | undefined;
  orderId: string | undefined;
  reason: string | undefined;
  code: string | undefined;
  /** The queue it goes back to (its source). */
  queue: string | undefined;
}

/** A dead letter left in the DLQ, and why. */
export interface SkippedMessage extends ReplayedMessage {
  skipped: string;
}

/** What a replay did. */
export interface ReplayResult {
  dryRun: boolean;
  /** Messages moved back to their source queue (or, in a dry run, that would be). */
  count: number;
  messages: ReplayedMessage[];
  /** Messages left in the DLQ because their source is unknown or gone. */
  skipped: SkippedMessage[];
}

/** Headers of a dead letter that must not travel back: the retry count starts over. */
const DEATH_HEADERS = [
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  HEADERS.deadReason,
  PAYMENT_HEADERS.errorCode,
  PAYMENT_HEADERS.deadAt,
  PAYMENT_HEADERS.sourceQueue,
];

/** Whether `queue` exists (a passive declare; a missing queue closes the throwaway channel). */
async function queueExists(connection: AmqpConnection, queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(queue);
    return true;
  } catch {
    return false;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Moves up to `limit` messages from `payments.dlq` back to the queue each came from, through
 * the default exchange, so nothing else bound to `orders` (inventory, priority, region queues)
 * receives the order again. `x-death` and the dead-letter headers are dropped, so the retry
 * count starts over; the copy id stays, so the worker knows it as the order's live copy. Each
 * message is acked off the DLQ only after the broker confirmed its copy, so a crash mid-way
 * duplicates (the worker drops the extra copy) but never loses. A message whose source queue is
 * unknown or does not exist stays in the DLQ and is reported.
 */
export async function replayDeadLetters(connection: AmqpConnection, publisher: Pick<ConfirmPublisher, 'publishBatch'>, options: ReplayOptions): Promise<ReplayResult> {
  const channel = await connection.createChannel();
  const messages: ReplayedMessage[] = [];
  const skipped: SkippedMessage[] = [];
  const exists = new Map<string, boolean>();
  try {
    for (let i = 0; i < options.limit; i++) {
      const message = await channel.get(QUEUES.paymentsDead, { noAck: false });
      if (message === false) break;
      const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
      const text = (name: string): string | undefined => (typeof headers[name] === 'string' ? headers[name] : undefined);
      const queue = sourceQueueOf(headers);
      const described: ReplayedMessage = {
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
        orderId: text(HEADERS.orderId),
        reason: text(HEADERS.deadReason),
        code: text(PAYMENT_HEADERS.errorCode),
        queue,
      };
      // Skipped and dry-run messages stay unacked: closing the channel returns them to the DLQ.
      if (queue === undefined) {
        skipped.push({ ...described, skipped: 'no source queue in its headers' });
        continue;
      }
      if (!exists.has(queue)) exists.set(queue, await queueExists(connection, queue));
      if (exists.get(queue) !== true) {
        skipped.push({ ...described, skipped: `source queue ${queue} does not exist` });
        continue;
      }
      messages.push(described);
      if (options.dryRun) continue;
      for (const h of DEATH_HEADERS) delete headers[h];
      headers[PAYMENT_HEADERS.replayedAt] = new Date().toISOString();
      // The replay is a step of the order's trace: its span continues the dead letter's context
      // and the republished message names it as parent.
      const span = startMessagingSpan({
        system: 'rabbitmq',
        operation: 'send',
        operationName: 'replay',
        destination: queue,
        parent: extractTraceContext(message.properties.headers),
        attributes: { 'messaging.message.id': described.messageId ?? '', 'orderflow.replay.from': QUEUES.paymentsDead },
      });
      Object.assign(headers, traceHeadersOf(span));
      await publisher.publishBatch([
        {
          exchange: '',
          routingKey: queue,
          body: message.content,
          messageId: described.messageId ?? '',
          type: typeof message.properties.type === 'string' ? message.properties.type : EVENT_TYPES.orderCreated,
          headers,
        },
      ]).catch((err: unknown) => {
        endSpanWithError(span, err);
        throw err;
      });
      span.end();
      channel.ack(message);
    }
  } finally {
    // Closing requeues whatever a dry run, a skip or a failure left unacked, in its original order.
    await channel.close().catch(() => undefined);
  }
  return { dryRun: options.dryRun, count: messages.length, messages, skipped };
}
