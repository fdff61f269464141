import type { Channel } from 'amqplib';
import { EVENT_TYPES, EXCHANGES, QUEUES } from './names.ts';
import { REGIONS } from './schemas.ts';

/** Options for {@link declareOrderTopology}. */
export interface OrderTopologyOptions {
  /**
   * Delays of the payment retry queues `payments.retry.<n>`, one queue per attempt. Only the
   * service that owns the retry schedule (payment-worker) passes them: TTLs are queue arguments
   * RabbitMQ cannot change in place, so two services declaring different values would collide
   * with PRECONDITION_FAILED. Without this option the retry queues are left alone.
   */
  paymentRetryDelaysMs?: readonly number[];
  /**
   * Who owns the payments queue, its dead-letter queue and its retry queues: `declare`
   * (default) declares them here; `pipeline` leaves them to the OrderPipeline the operator
   * applies (its dead-letter route differs, and RabbitMQ refuses a second declaration with
   * other arguments), so a service run beside the pipeline declares only the rest.
   */
  paymentsQueue?: 'declare' | 'pipeline';
}

/** Suggested delays of `payments.retry.<n>` (1 s, 5 s, 25 s). */
export const DEFAULT_PAYMENT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 25_000];

/**
 * Declares every exchange, queue and binding of docs/order-messaging.md. Idempotent: safe to
 * run at every start from every service. Queue arguments are fixed here and nowhere else,
 * because RabbitMQ refuses a redeclaration with different arguments.
 */
export async function declareOrderTopology(channel: Channel, options: OrderTopologyOptions = {}): Promise<void> {
  const durable = { durable: true };
  await channel.assertExchange(EXCHANGES.orders, 'direct', durable);
  await channel.assertExchange(EXCHANGES.routing, 'headers', durable);
  await channel.assertExchange(EXCHANGES.inventory, 'fanout', durable);
  await channel.assertExchange(EXCHANGES.logs, 'topic', durable);
  await channel.assertExchange(EXCHANGES.paymentsRetry, 'direct', durable);
  await channel.assertExchange(EXCHANGES.paymentsDead, 'direct', durable);

  // One publish of order.created reaches the payments queue, the headers exchange and the
  // inventory fanout: exchange-to-exchange bindings, so the relay sends each event once.
  await channel.bindExchange(EXCHANGES.routing, EXCHANGES.orders, EVENT_TYPES.orderCreated);
  await channel.bindExchange(EXCHANGES.inventory, EXCHANGES.orders, EVENT_TYPES.orderCreated);

  if (options.paymentsQueue !== 'pipeline') {
    // direct: payments, with dead letters to payments.dlx → payments.dlq.
    await channel.assertQueue(QUEUES.payments, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': EXCHANGES.paymentsDead, 'x-dead-letter-routing-key': QUEUES.payments },
    });
    await channel.bindQueue(QUEUES.payments, EXCHANGES.orders, EVENT_TYPES.orderCreated);
    await channel.assertQueue(QUEUES.paymentsDead, { durable: true });
    await channel.bindQueue(QUEUES.paymentsDead, EXCHANGES.paymentsDead, QUEUES.payments);

    // Retry delay queues: a message waits out the TTL, then dead-letters straight back to the
    // payments queue through the default exchange (not via `orders`, which would fan it out again).
    for (const [i, delay] of (options.paymentRetryDelaysMs ?? []).entries()) {
      const name = QUEUES.paymentsRetry(i + 1);
      await channel.assertQueue(name, {
        durable: true,
        arguments: { 'x-message-ttl': delay, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': QUEUES.payments },
      });
      await channel.bindQueue(name, EXCHANGES.paymentsRetry, String(i + 1));
    }
  }

  // headers: high priority and per-region queues.
  await channel.assertQueue(QUEUES.priorityHigh, durable);
  await channel.bindQueue(QUEUES.priorityHigh, EXCHANGES.routing, '', { 'x-match': 'all', priority: 'high' });
  for (const region of REGIONS) {
    await channel.assertQueue(QUEUES.region(region), durable);
    await channel.bindQueue(QUEUES.region(region), EXCHANGES.routing, '', { 'x-match': 'all', region });
  }

  // fanout: every inventory subscriber gets every reservation.
  for (const q of [QUEUES.inventoryBilling, QUEUES.inventoryNotifications]) {
    await channel.assertQueue(q, durable);
    await channel.bindQueue(q, EXCHANGES.inventory, '');
  }

  // topic: errors from every region; everything from asia.
  await channel.assertQueue(QUEUES.logsErrors, durable);
  await channel.bindQueue(QUEUES.logsErrors, EXCHANGES.logs, 'log.*.error');
  await channel.assertQueue(QUEUES.logsAsia, durable);
  await channel.bindQueue(QUEUES.logsAsia, EXCHANGES.logs, 'log.asia.*');
}

/**
 * Whether a message published to `exchange` with `routingKey` must reach a queue, i.e. is
 * published `mandatory` and fails when the broker returns it. True for everything except
 * notifications whose subscribers are optional: `order.status_changed` (nothing in this
 * topology binds it; the board and the Kafka bridge subscribe when they run) and the `logs`
 * topic exchange (a level nobody collects, such as `log.eu.info`, is dropped by design). An
 * event type not listed here is mandatory, so a new one cannot be lost silently.
 */
export function requiresSubscriber(exchange: string, routingKey: string): boolean {
  if (exchange === EXCHANGES.logs) return false;
  return !(exchange === EXCHANGES.orders && routingKey === EVENT_TYPES.orderStatusChanged);
}
