import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AmqpConnection, ConfirmPublisher, declareOrderTopology } from '@orderflow/messaging';
import { writePrometheusTarget } from '@orderflow/http';
import { createTransactionalProducer, kafkaSettingsFromConfig } from '@orderflow/kafka';
import { createPool, migrate, ping } from '@orderflow/pg';
import type { OrderApiConfig } from './config.ts';
import { OrderWriter } from './intake/order-writer.ts';
import { createOrderApiMetrics } from './metrics.ts';
import { OutboxListener } from './relay/outbox-listener.ts';
import { OutboxPruner } from './relay/outbox-pruner.ts';
import { OutboxRelay } from './relay/outbox-relay.ts';
import { KafkaRelay } from './relay/kafka-relay.ts';
import { createKafkaRelayMetrics } from './relay/kafka-relay-metrics.ts';
import { relayCheck } from './relay/relay-check.ts';
import { buildServer } from './server.ts';
import type { RunningParts } from './shutdown.ts';

/** A started order-api: its parts (for `shutdown`) and the address it listens on. */
export interface StartedOrderApi {
  parts: RunningParts;
  /** `http://host:port` of the listening server. */
  url: string;
}

/**
 * Connects every client, starts the relay and listens, in the order production runs them.
 * `main.ts` calls it once; tests call it to run exactly the same composition in-process.
 */
export async function startOrderApi(config: OrderApiConfig, options: { logger: Logger; registry: Registry }): Promise<StartedOrderApi> {
  const { logger, registry } = options;
  const pool = createPool(config.DATABASE_URL, {
    max: config.DB_POOL_MAX,
    applicationName: 'order-api',
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  if (config.MIGRATE_ON_START) {
    const result = await migrate(pool, { dir: fileURLToPath(new URL('../migrations', import.meta.url)), table: 'order_api_migrations' });
    logger.info(result, 'migrations');
  }

  // Orders are accepted while RabbitMQ is down (they wait in the outbox), so do not block on it.
  const connection = await AmqpConnection.open(config.RABBITMQ_URL, { name: 'order-api', logger, waitForConnect: false });

  const metrics = createOrderApiMetrics(registry, pool);
  // The publisher declares the topology on each channel before its first publish (at start,
  // after a reconnect, after a deleted exchange closed the channel, after a returned message):
  // the relay can never publish into a vhost whose queues are not bound yet.
  const publisher = new ConfirmPublisher(connection, {
    window: config.RELAY_CONFIRM_WINDOW,
    confirmTimeoutMs: config.RELAY_CONFIRM_TIMEOUT_MS,
    topology: (channel) => declareOrderTopology(channel, { paymentsQueue: config.PAYMENTS_TOPOLOGY }),
    registry,
  });
  const relay = config.RELAY_ENABLED
    ? new OutboxRelay({
        pool,
        publisher,
        logger: logger.child({ component: 'outbox-relay' }),
        metrics,
        batchSize: config.RELAY_BATCH_SIZE,
        pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
        maxBackoffMs: config.RELAY_MAX_BACKOFF_MS,
      })
    : undefined;
  const kafkaRelay = startKafkaRelay(config, pool, logger, registry);
  const wakeRelays = (): void => {
    relay?.wake();
    kafkaRelay?.wake();
  };
  const writer = new OrderWriter(pool, {
    maxBatch: config.INTAKE_MAX_BATCH,
    maxConcurrentWrites: config.INTAKE_MAX_CONCURRENT_WRITES,
    observer: {
      flushed(size, seconds, ok) {
        metrics.intakeBatchSize.observe(size);
        metrics.intakeWriteSeconds.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
      },
    },
    onCommitted: wakeRelays,
  });
  const pruner = relay === undefined ? undefined : new OutboxPruner({ pool, logger, retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000, requireKafka: config.KAFKA_PUBLISH_ENABLED });
  const listener = relay === undefined ? undefined : new OutboxListener(config.DATABASE_URL, logger, wakeRelays);
  await listener?.start();

  const app = await buildServer(config, {
    logger,
    pool,
    writer,
    registry,
    metrics,
    readinessChecks: [
      { name: 'postgres', check: () => ping(pool) },
      // Reported, not fatal: intake works without RabbitMQ (the outbox holds the events), so a
      // failing relay makes /readyz say `degraded` with the reason instead of taking intake away.
      ...(relay === undefined ? [] : [{ name: 'outbox-relay', critical: false, check: () => relayCheck(relay) }]),
      // Likewise for Kafka: an outage delays order-events, never intake.
      ...(kafkaRelay === undefined ? [] : [{ name: 'outbox-kafka-relay', critical: false, check: () => relayCheck(kafkaRelay) }]),
    ],
  });
  relay?.start();
  kafkaRelay?.start();
  pruner?.start();
  const url = await app.listen({ port: config.PORT, host: config.HOST });

  const address = config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`;
  const removeTarget = config.PROMETHEUS_TARGETS_DIR === undefined ? undefined : await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'order-api', address);

  const parts: RunningParts = { app, writer, publisher, connection, pool, logger, ...(relay && { relay }), ...(kafkaRelay && { kafkaRelay }), ...(listener && { listener }), ...(pruner && { pruner }), ...(removeTarget && { removeTarget }) };
  return { parts, url };
}

/** The outbox relay to Kafka `order-events`, when KAFKA_PUBLISH_ENABLED (docs/kafka.md). */
function startKafkaRelay(config: OrderApiConfig, pool: ReturnType<typeof createPool>, logger: Logger, registry: Registry): KafkaRelay | undefined {
  if (!config.KAFKA_PUBLISH_ENABLED || config.KAFKA_BROKERS === undefined) return undefined;
  const settings = kafkaSettingsFromConfig({ ...config, KAFKA_BROKERS: config.KAFKA_BROKERS }, 'order-api');
  return new KafkaRelay({
    pool,
    createProducer: () => createTransactionalProducer(settings, config.KAFKA_TRANSACTIONAL_ID),
    logger: logger.child({ component: 'outbox-kafka-relay' }),
    metrics: createKafkaRelayMetrics(registry),
    batchSize: config.KAFKA_RELAY_BATCH_SIZE,
    pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
    maxBackoffMs: config.RELAY_MAX_BACKOFF_MS,
    transactionTimeoutMs: config.KAFKA_TRANSACTION_TIMEOUT_MS,
    topic: config.KAFKA_ORDER_EVENTS_TOPIC,
  });
}
