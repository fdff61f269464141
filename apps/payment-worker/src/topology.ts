import { deadLetterQueueName, retryQueueName } from '@orderflow/consumer-contract';
import { EXCHANGES, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import type { Channel } from 'amqplib';
import { retryDelayMs, type WorkerConfig } from './config.ts';
import { TopologyMissing } from './errors.ts';

/** Where messages wait while the breaker is open; expiry does not count as a retry. */
export const PARKED_QUEUE = 'payments.parked';
/** Routing key of the parking queue on the `payments.retry` exchange. */
export const PARKED_ROUTING_KEY = 'parked';

/** The settings that decide what the worker declares or checks. */
export type TopologyConfig = Pick<WorkerConfig, 'TOPOLOGY_MODE' | 'MAX_RETRIES' | 'RETRY_INITIAL_DELAY_MS' | 'RETRY_BACKOFF_FACTOR' | 'PARK_DELAY_MS'>;

/**
 * The shared order topology (with the worker's retry delays) plus the worker's parking queue,
 * which dead-letters back to `payments` through the default exchange like the delay queues.
 */
export async function declarePaymentTopology(channel: Channel, config: Omit<TopologyConfig, 'TOPOLOGY_MODE'>): Promise<void> {
  const delays = Array.from({ length: config.MAX_RETRIES }, (_, i) => retryDelayMs(config, i + 1));
  await declareOrderTopology(channel, { paymentRetryDelaysMs: delays });
  await channel.assertQueue(PARKED_QUEUE, {
    durable: true,
    arguments: { 'x-message-ttl': config.PARK_DELAY_MS, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': QUEUES.payments },
  });
  await channel.bindQueue(PARKED_QUEUE, EXCHANGES.paymentsRetry, PARKED_ROUTING_KEY);
}

/** Every queue the worker consumes from or publishes to: the work queue, its delay queues, the DLQ and the parking queue. */
export function paymentQueues(maxRetries: number): string[] {
  const retries = Array.from({ length: maxRetries }, (_, i) => retryQueueName(QUEUES.payments, i + 1));
  return [QUEUES.payments, ...retries, deadLetterQueueName(QUEUES.payments), PARKED_QUEUE];
}

/**
 * Checks, without declaring anything, that every queue the worker uses exists (passive
 * declarations). The worker publishes its retries, parked copies and dead letters to these
 * queues by name through the default exchange, so no exchange of its own is needed.
 */
export async function verifyPaymentTopology(channel: Channel, maxRetries: number): Promise<void> {
  for (const queue of paymentQueues(maxRetries)) {
    try {
      await channel.checkQueue(queue);
    } catch (err) {
      // A failed passive declaration closes the channel: the first missing queue is the answer.
      throw new TopologyMissing([queue, 'check the pipeline declares it in the vhost of RABBITMQ_URL'], { cause: err });
    }
  }
}

/**
 * What runs before every subscription: `declare` puts the topology in place (and back, when a
 * queue was deleted); `verify` checks that the pipeline's topology is there.
 */
export async function preparePaymentTopology(channel: Channel, config: TopologyConfig): Promise<void> {
  if (config.TOPOLOGY_MODE === 'verify') await verifyPaymentTopology(channel, config.MAX_RETRIES);
  else await declarePaymentTopology(channel, config);
}
