// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { hostname } from 'node:os';
import { writePrometheusTarget } from '@orderflow/http';
import { createLogger } from '@orderflow/logging';
import { AmqpConnection } from '@orderflow/messaging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { Redis } from 'ioredis';
import { BoardStore } from './board-store.ts';
import { ChangeHub } from './change-hub.ts';
import { loadDashboardConfig } from './config.ts';
import { createDashboardMetrics } from './metrics.ts';
import { buildServer } from './server.ts';
import { StatsFeed } from './stats-feed.ts';
import { StatusFeed } from './status-feed.ts';

const config = loadDashboardConfig();
const logger = createLogger('dashboard', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'dashboard' } });
const metrics = createDashboardMetrics(registry);

// Commands fail fast while Redis is away (the status feed requeues, the page reconnects) rather
// than queueing without bound; the subscriber is a connection of its own, as Pub/Sub requires.
// Connection names carry host and pid, so an operator (or a test) can tell replicas apart in CLIENT LIST.
const instance = `${hostname()}:${process.pid}`;
const redisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectionName: `dashboard:${instance}` };
const redis = new Redis(config.REDIS_URL, redisOptions);
const subscriber = new Redis(config.REDIS_URL, { ...redisOptions, connectionName: `dashboard-subscriber:${instance}` });
for (const [name, client] of [['commands', redis], ['subscriber', subscriber]] as const) {
  client.on('error', (err: Error) => logger.warn({ connection: name, err: err.message }, 'Redis connection error'));
}

const store = new BoardStore(redis, config.REDIS_PREFIX, {
  maxOrders: config.BOARD_MAX_ORDERS,
  maxAgeSeconds: config.BOARD_MAX_AGE_SECONDS,
  orderStateTtlSeconds: config.ORDER_STATE_TTL_SECONDS,
  maxWindows: config.BOARD_MAX_WINDOWS,
  maxAlerts: config.BOARD_MAX_ALERTS,
});
const hub = new ChangeHub({ subscriber, store, logger, metrics, heartbeatMs: config.HEARTBEAT_MS, maxBufferedBytes: config.CLIENT_MAX_BUFFERED_BYTES });
const connection = await AmqpConnection.open(config.RABBITMQ_URL, { name: 'dashboard', logger });
const statusFeed = new StatusFeed({ connection, store, queue: config.STATUS_QUEUE, prefetch: config.STATUS_PREFETCH, logger, metrics, registry });
const statsFeed = new StatsFeed({
  brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter((b) => b !== ''),
  groupId: config.KAFKA_GROUP_ID,
  statsTopic: config.KAFKA_STATS_TOPIC,
  alertsTopic: config.KAFKA_ALERTS_TOPIC,
  store,
  logger,
  metrics,
});

const app = buildServer({
  store,
  hub,
  registry,
  logger,
  allowedOrigins: (config.BOARD_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o !== ''),
  checks: [
    { name: 'redis', check: async () => void (await redis.ping()) },
    { name: 'redis-subscription', check: () => (hub.subscribed ? Promise.resolve() : Promise.reject(new Error('not subscribed to the board channel'))) },
    { name: 'rabbitmq', check: () => (connection.connected && statusFeed.consuming ? Promise.resolve() : Promise.reject(new Error('not consuming order events'))) },
    // Reported (status degraded) but not fatal: the board's orders work without statistics.
    { name: 'kafka-stats', critical: false, check: () => (statsFeed.consuming ? Promise.resolve() : Promise.reject(new Error('not consuming order-stats/order-alerts'))) },
  ],
});

let closing = false;
let removeTarget: (() => Promise<void>) | undefined;
/** Readiness goes 503, browsers are asked to reconnect elsewhere, feeds finish what they hold, then connections close. */
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'draining: browsers move to other replicas, feeds finish the messages in hand');
  const hardStop = setTimeout(() => {
    logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  hardStop.unref();
  app.markDraining();
  await removeTarget?.().catch(() => undefined);
  await hub.stop();
  await app.close();
  await statusFeed.stop();
  await statsFeed.stop();
  await connection.close().catch(() => undefined);
  subscriber.disconnect();
  await redis.quit().catch(() => undefined);
  logger.info('stopped');
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

await hub.start();
await statusFeed.start();
statsFeed.start();
const address = await app.listen({ port: config.PORT, host: config.HOST });
if (config.PROMETHEUS_TARGETS_DIR !== undefined) {
  removeTarget = await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'dashboard', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
}
logger.info({ address, queue: config.STATUS_QUEUE, prefix: config.REDIS_PREFIX }, 'dashboard running');
