import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@opensearch-project/opensearch';
import { writePrometheusTarget } from '@orderflow/http';
import { kafkaSettingsFromConfig } from '@orderflow/kafka';
import type { IndexerConfig } from './config.ts';
import { indexNames } from './index-layout.ts';
import { Indexer } from './indexer.ts';
import { createIndexerMetrics } from './metrics.ts';
import { createOpenSearchClient } from './opensearch-client.ts';
import { sweepExpiredIndices } from './retention.ts';
import { buildServer } from './server.ts';
import { ensureIndexLayout } from './setup.ts';
import { requireTopics } from './topology-check.ts';

/** A started indexer: what shutdown needs, and where it listens. */
export interface StartedIndexer {
  app: FastifyInstance;
  indexer: Indexer;
  client: Client;
  url: string;
  stopSweeper: () => void;
  removeTarget?: () => Promise<void>;
}

const DAY_MS = 86_400_000;

/** Composes and starts the indexer as production runs it (main.ts; tests call it in-process). */
export async function startIndexer(config: IndexerConfig, options: { logger: Logger; registry: Registry }): Promise<StartedIndexer> {
  const { logger, registry } = options;
  const metrics = createIndexerMetrics(registry);
  const names = indexNames(config.INDEX_PREFIX);
  // Before anything is opened: a missing topic is a start-up failure with nothing to clean up.
  const settings = kafkaSettingsFromConfig(config, 'order-indexer');
  await requireTopics(settings, [config.ORDERFLOW_KAFKA_TOPIC, config.ALERTS_TOPIC, config.DEAD_LETTER_TOPIC]);
  const client = createOpenSearchClient({
    url: config.OPENSEARCH_URL,
    requestTimeoutMs: config.OPENSEARCH_REQUEST_TIMEOUT_MS,
    ...(config.OPENSEARCH_USERNAME !== undefined && { username: config.OPENSEARCH_USERNAME }),
    ...(config.OPENSEARCH_PASSWORD !== undefined && { password: config.OPENSEARCH_PASSWORD }),
  });
  // Templates first: a document indexed before its template would get a guessed mapping.
  const retention = await ensureIndexLayout(client, names, config.RETENTION_MONTHS);
  logger.info({ retention, alias: names.eventsAlias }, 'index layout in place');
  const sweep = (): void => {
    sweepExpiredIndices(client, names, config.RETENTION_MONTHS).then(
      (deleted) => {
        if (deleted.length > 0) {
          metrics.retentionDeleted.inc(deleted.length);
          logger.info({ deleted }, 'expired monthly event indices deleted');
        }
      },
      (err: unknown) => logger.warn({ err: (err as Error).message }, 'retention sweep failed; next try in a day'),
    );
  };
  let sweeper: NodeJS.Timeout | undefined;
  if (retention === 'sweeper') {
    sweep();
    sweeper = setInterval(sweep, DAY_MS);
    sweeper.unref();
  }

  const indexer = new Indexer({
    settings,
    client,
    names,
    eventsTopic: config.ORDERFLOW_KAFKA_TOPIC,
    alertsTopic: config.ALERTS_TOPIC,
    deadLetterTopic: config.DEAD_LETTER_TOPIC,
    groupId: config.ORDERFLOW_KAFKA_GROUP,
    offsetReset: config.ORDERFLOW_KAFKA_OFFSET_RESET,
    instanceId: config.POD_NAME,
    batchMaxRecords: config.BATCH_MAX_RECORDS,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    bulkRetryMaxMs: config.BULK_RETRY_MAX_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    lagIntervalMs: config.LAG_INTERVAL_MS,
    metrics,
    logger: logger.child({ component: 'indexer' }),
  });
  const app = await buildServer({
    client,
    names,
    registry,
    logger,
    readinessChecks: [
      {
        name: 'opensearch',
        check: async () => {
          await client.cluster.health({ timeout: '2s' });
        },
      },
      {
        name: 'consumer',
        check: () => {
          const h = indexer.health();
          return h.consuming ? Promise.resolve() : Promise.reject(new Error(`not consuming: ${h.lastError ?? 'starting'}`));
        },
      },
    ],
  });
  indexer.start();
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  const removeTarget =
    config.PROMETHEUS_TARGETS_DIR === undefined ? undefined : await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'order-indexer', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
  return { app, indexer, client, url, stopSweeper: () => clearInterval(sweeper), ...(removeTarget && { removeTarget }) };
}

/** The graceful drain: readiness 503, HTTP closed, the consumer stopped (uncommitted work is read again), clients closed. */
export async function stopIndexer(started: StartedIndexer, logger: Logger): Promise<void> {
  logger.info('shutting down: draining HTTP, then the consumer');
  started.app.markDraining();
  started.stopSweeper();
  await started.removeTarget?.().catch(() => undefined);
  await started.app.close();
  await started.indexer.stop();
  await started.client.close();
  logger.info('shut down');
}
