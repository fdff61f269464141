import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AmqpConnection, ConfirmPublisher } from '@orderflow/messaging';
import type { Pool } from '@orderflow/pg';
import type { OrderWriter } from './intake/order-writer.ts';
import type { OutboxListener } from './relay/outbox-listener.ts';
import type { OutboxPruner } from './relay/outbox-pruner.ts';
import type { OutboxRelay } from './relay/outbox-relay.ts';
import type { KafkaRelay } from './relay/kafka-relay.ts';

/** Everything a running order-api holds. */
export interface RunningParts {
  app: FastifyInstance;
  writer: OrderWriter;
  relay?: OutboxRelay;
  kafkaRelay?: KafkaRelay;
  listener?: OutboxListener;
  pruner?: OutboxPruner;
  publisher: ConfirmPublisher;
  connection: AmqpConnection;
  pool: Pool;
  logger: Logger;
  /** Removes the Prometheus target file, when one was written. */
  removeTarget?: () => Promise<void>;
}

/**
 * The graceful drain: readiness goes 503, the server stops accepting and answers the requests
 * it has (their orders are committed), the relay publishes what the outbox holds (until
 * `timeoutMs`), then connections close.
 */
export async function shutdown(parts: RunningParts, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  parts.logger.info('shutting down: draining HTTP, intake and outbox');
  parts.app.markDraining();
  await parts.removeTarget?.().catch(() => undefined);
  await parts.app.close();
  await parts.writer.drain();
  await parts.listener?.stop();
  await parts.pruner?.stop();
  await Promise.all([parts.relay?.stop({ drainMs: Math.max(0, deadline - Date.now()) }), parts.kafkaRelay?.stop({ drainMs: Math.max(0, deadline - Date.now()) })]);
  await parts.kafkaRelay?.close();
  await parts.publisher.close();
  await parts.connection.close().catch(() => undefined);
  await parts.pool.end();
  parts.logger.info('shut down');
}
