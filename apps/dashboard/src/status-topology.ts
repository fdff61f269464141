import { EVENT_TYPES, EXCHANGES } from '@orderflow/messaging';
import type { Channel } from 'amqplib';

/**
 * An unused dashboard queue disappears after a week: a board that was removed must not make
 * RabbitMQ keep every status change for ever. A replica that is merely restarting is back long
 * before. A queue argument, so fixed here (RabbitMQ refuses a redeclaration that differs).
 */
export const STATUS_QUEUE_EXPIRES_MS = 7 * 24 * 3_600_000;

/**
 * Declares the dashboard's queue on the `orders` exchange for both order event types. Durable,
 * so changes made while every replica is down wait for the next start; one queue shared by all
 * replicas (competing consumers), because the snapshot they write is shared too. The exchange is
 * asserted with the arguments `declareOrderTopology` uses, so the order is irrelevant.
 */
export async function declareStatusQueue(channel: Channel, queue: string): Promise<void> {
  await channel.assertExchange(EXCHANGES.orders, 'direct', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-expires': STATUS_QUEUE_EXPIRES_MS } });
  await channel.bindQueue(queue, EXCHANGES.orders, EVENT_TYPES.orderCreated);
  await channel.bindQueue(queue, EXCHANGES.orders, EVENT_TYPES.orderStatusChanged);
}
