import { EVENT_TYPES, EXCHANGES, HEADERS, QUEUES, type AmqpConnection, type ConfirmPublisher } from '@orderflow/messaging';

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
}

/** What a replay did. */
export interface ReplayResult {
  dryRun: boolean;
  count: number;
  messages: ReplayedMessage[];
}

/**
 * Moves up to `limit` messages from `payments.dlq` back to the `orders` exchange as fresh
 * `order.created` events: `x-death` and the dead-letter headers are dropped, so the retry
 * count starts over. Each message is acked off the DLQ only after the broker confirmed its
 * copy, so a crash mid-way duplicates (harmless: payments are idempotent) but never loses.
 */
export async function replayDeadLetters(connection: AmqpConnection, publisher: Pick<ConfirmPublisher, 'publishBatch'>, options: ReplayOptions): Promise<ReplayResult> {
  const channel = await connection.createChannel();
  const messages: ReplayedMessage[] = [];
  try {
    for (let i = 0; i < options.limit; i++) {
      const message = await channel.get(QUEUES.paymentsDead, { noAck: false });
      if (message === false) break;
      const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
      const text = (name: string): string | undefined => (typeof headers[name] === 'string' ? headers[name] : undefined);
      const described: ReplayedMessage = {
        messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
        orderId: text(HEADERS.orderId),
        reason: text(HEADERS.deadReason),
        code: text('x-orderflow-error-code'),
      };
      messages.push(described);
      if (options.dryRun) continue; // left unacked: returned to the queue when the channel closes
      for (const h of ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason', HEADERS.deadReason, 'x-orderflow-error-code', 'x-orderflow-dead-at']) {
        delete headers[h];
      }
      headers['x-orderflow-replayed-at'] = new Date().toISOString();
      await publisher.publishBatch([
        {
          exchange: EXCHANGES.orders,
          routingKey: EVENT_TYPES.orderCreated,
          body: message.content,
          messageId: described.messageId ?? '',
          type: typeof message.properties.type === 'string' ? message.properties.type : EVENT_TYPES.orderCreated,
          headers,
        },
      ]);
      channel.ack(message);
    }
  } finally {
    // Closing requeues whatever a dry run (or a failure) left unacked, in its original order.
    await channel.close().catch(() => undefined);
  }
  return { dryRun: options.dryRun, count: messages.length, messages };
}
