import { EXCHANGES, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import type { Channel } from 'amqplib';
import { retryDelayMs, type WorkerConfig } from './config.ts';

/** Where messages wait while the breaker is open; expiry does not count as a retry. */
export const PARKED_QUEUE = 'payments.parked';
/** Routing key of the parking queue on the `payments.retry` exchange. */
export const PARKED_ROUTING_KEY = 'parked';

/**
 * The shared order topology (with the worker's retry delays) plus the worker's parking queue,
 * which dead-letters back to `payments` through the default exchange like the delay queues.
 */
export async function declarePaymentTopology(
  channel: Channel,
  config: Pick<WorkerConfig, 'MAX_RETRIES' | 'RETRY_INITIAL_DELAY_MS' | 'RETRY_BACKOFF_FACTOR' | 'PARK_DELAY_MS'>,
): Promise<void> {
  const delays = Array.from({ length: config.MAX_RETRIES }, (_, i) => retryDelayMs(config, i + 1));
  await declareOrderTopology(channel, { paymentRetryDelaysMs: delays });
  await channel.assertQueue(PARKED_QUEUE, {
    durable: true,
    arguments: { 'x-message-ttl': config.PARK_DELAY_MS, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': QUEUES.payments },
  });
  await channel.bindQueue(PARKED_QUEUE, EXCHANGES.paymentsRetry, PARKED_ROUTING_KEY);
}
