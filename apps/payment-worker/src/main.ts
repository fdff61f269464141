// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@orderflow/logging';
import { AmqpConnection, ConfirmPublisher } from '@orderflow/messaging';
import { createPool, migrate, ping } from '@orderflow/pg';
import { breakerGaugeValue, createMetricsRegistry } from '@orderflow/telemetry';
import { loadWorkerConfig } from './config.ts';
import { PaymentConsumer } from './consumer.ts';
import { createWorkerMetrics } from './metrics.ts';
import { createProviderClient } from './provider-client.ts';
import { createProviderPolicy } from './provider-policy.ts';
import { writePrometheusTarget } from '@orderflow/http';
import { replayDeadLetters } from './replay.ts';
import { buildServer } from './server.ts';
import { statusRecorder } from './status.ts';
import { preparePaymentTopology } from './topology.ts';

const config = loadWorkerConfig();
const logger = createLogger('payment-worker', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'payment-worker' } });
const metrics = createWorkerMetrics(registry);

const pool = createPool(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE, applicationName: 'payment-worker' });
await migrate(pool, { dir: fileURLToPath(new URL('../migrations', import.meta.url)), table: 'payment_worker_migrations' });

const connection = await AmqpConnection.open(config.RABBITMQ_URL, { name: 'payment-worker', logger });
const publisher = new ConfirmPublisher(connection, { registry });

const provider = createProviderClient(config.PROVIDER_URL, { connections: Math.min(config.CONCURRENCY, 256) });
const policy = createProviderPolicy(
  {
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    retries: config.PROVIDER_RETRIES,
    retryInitialMs: config.PROVIDER_RETRY_INITIAL_MS,
    retryMaxMs: config.PROVIDER_RETRY_MAX_MS,
    breakerThreshold: config.BREAKER_THRESHOLD,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_MS,
  },
  {
    onRetry: () => metrics.providerRetries.inc(),
    onBreakerState: (state) => {
      metrics.breakerState.set(breakerGaugeValue(state));
      metrics.breakerTransitions.inc({ state });
      logger.warn({ state }, 'payment provider circuit breaker changed state');
    },
  },
);

const consumer = new PaymentConsumer({
  connection,
  prefetch: config.PREFETCH,
  logger,
  // Before every subscription: declared (so a deleted queue is put back), or under the
  // operator (TOPOLOGY_MODE=verify) checked to exist as the pipeline declared it.
  declareTopology: (channel) => preparePaymentTopology(channel, config),
  processor: { config, pool, publisher, provider, policy, recordTransitions: statusRecorder((refused) => logger.warn({ refused }, 'order status changes refused by the status emitter')), metrics },
});

const app = buildServer(config, {
  registry,
  logger,
  checks: [
    { name: 'postgres', check: () => ping(pool) },
    {
      name: 'rabbitmq',
      check: () => (connection.connected && consumer.consuming ? Promise.resolve() : Promise.reject(new Error('not consuming'))),
    },
  ],
  replay: async (options) => {
    const result = await replayDeadLetters(connection, publisher, options);
    metrics.replayed.inc({ mode: options.dryRun ? 'dry_run' : 'moved' }, result.count);
    return result;
  },
});

let closing = false;
let removeTarget: (() => Promise<void>) | undefined;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'draining: no new messages, finishing the ones in hand');
  app.markDraining();
  await removeTarget?.();
  await consumer.stop(config.SHUTDOWN_TIMEOUT_MS);
  await app.close();
  await publisher.close();
  await connection.close().catch(() => undefined);
  await provider.close();
  await pool.end();
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

await consumer.start();
const address = await app.listen({ port: config.PORT, host: config.HOST });
if (config.PROMETHEUS_TARGETS_DIR !== undefined) {
  removeTarget = await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'payment-worker', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
}
logger.info({ address, prefetch: config.PREFETCH, concurrency: config.CONCURRENCY, batch: config.BATCH_SIZE }, 'payment worker running');
