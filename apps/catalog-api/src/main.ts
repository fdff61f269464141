// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { fileURLToPath } from 'node:url';
import { writePrometheusTarget } from '@orderflow/http';
import { createLogger } from '@orderflow/logging';
import { createPool, migrate } from '@orderflow/pg';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createRedisClient } from './cache/redis-client.ts';
import { createCatalogParts } from './catalog-parts.ts';
import { readConfig } from './config.ts';
import { buildServer } from './server.ts';
import { shutdown, type RunningParts } from './shutdown.ts';

// The only place that connects, listens and handles signals.
const config = readConfig();
const logger = createLogger('catalog-api', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'catalog-api' } });

const pool = createPool(config.DATABASE_URL, {
  max: config.DB_POOL_MAX,
  applicationName: 'catalog-api',
  connectionTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
});
if (config.MIGRATE_ON_START) {
  const result = await migrate(pool, { dir: fileURLToPath(new URL('../migrations', import.meta.url)), table: 'catalog_api_migrations' });
  logger.info(result, 'migrations');
}

// Redis is optional at any moment (answers then come from PostgreSQL), so do not wait for it.
const redis = createRedisClient(config.REDIS_URL, {
  commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
  connectionName: 'catalog-api',
});
redis.on('error', (err: Error) => logger.debug({ err }, 'redis connection error'));

const { catalog } = createCatalogParts(config, { pool, redis, registry, logger });
const app = await buildServer(config, {
  logger,
  catalog,
  registry,
  // Neither PostgreSQL nor Redis gates readiness: the catalog answers without either (stale
  // copies, or the database), and every replica shares them, so failing readiness on them
  // would take all replicas out at once. Their state is in the metrics and logs.
  readinessChecks: [],
});
await app.listen({ port: config.PORT, host: config.HOST });

const address = config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`;
const removeTarget = config.PROMETHEUS_TARGETS_DIR === undefined ? undefined : await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'catalog-api', address);

const parts: RunningParts = { app, pool, redis, logger, ...(removeTarget && { removeTarget }) };
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    const hardStop = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    hardStop.unref();
    shutdown(parts).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
