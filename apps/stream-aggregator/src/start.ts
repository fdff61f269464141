import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { writePrometheusTarget } from '@orderflow/http';
import { kafkaSettingsFromConfig } from '@orderflow/kafka';
import type { AggregatorConfig } from './config.ts';
import { createAggregatorMetrics } from './metrics.ts';
import { Processor } from './processor.ts';
import { buildServer } from './server.ts';
import { StatsView } from './view.ts';
import type { FastifyInstance } from 'fastify';

/** A started aggregator: what shutdown needs, and where it listens. */
export interface StartedAggregator {
  app: FastifyInstance;
  processor: Processor;
  url: string;
  removeTarget?: () => Promise<void>;
}

/** Composes and starts the aggregator as production runs it (main.ts; tests call it in-process). */
export async function startAggregator(config: AggregatorConfig, options: { logger: Logger; registry: Registry }): Promise<StartedAggregator> {
  const { logger, registry } = options;
  const metrics = createAggregatorMetrics(registry);
  const view = new StatsView({ keepWindows: config.API_KEEP_WINDOWS, keepAlerts: config.API_KEEP_ALERTS });
  const processor = new Processor({
    settings: kafkaSettingsFromConfig(config, 'stream-aggregator'),
    sourceTopic: config.ORDERFLOW_KAFKA_TOPIC,
    topics: { stats: config.STATS_TOPIC, alerts: config.ALERTS_TOPIC, deadLetter: config.DEAD_LETTER_TOPIC, changelog: config.CHANGELOG_TOPIC },
    groupId: config.ORDERFLOW_KAFKA_GROUP,
    offsetReset: config.ORDERFLOW_KAFKA_OFFSET_RESET,
    instanceId: config.POD_NAME,
    transactionalIdPrefix: config.KAFKA_TRANSACTIONAL_ID_PREFIX,
    allowedLatenessMs: config.WINDOW_ALLOWED_LATENESS_MS,
    idlePartitionMs: config.IDLE_PARTITION_MS,
    historyWindows: config.ALERT_SIGMA_WINDOWS,
    rules: {
      sigma: config.ALERT_SIGMA,
      sigmaMinWindows: config.ALERT_SIGMA_MIN_WINDOWS,
      ...(config.ALERT_THRESHOLD_HIGH !== undefined && { thresholdHigh: config.ALERT_THRESHOLD_HIGH }),
      ...(config.ALERT_THRESHOLD_LOW !== undefined && { thresholdLow: config.ALERT_THRESHOLD_LOW }),
    },
    batchMaxRecords: config.BATCH_MAX_RECORDS,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    transactionTimeoutMs: config.KAFKA_TRANSACTION_TIMEOUT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    lagIntervalMs: config.LAG_INTERVAL_MS,
    view,
    metrics,
    logger: logger.child({ component: 'processor' }),
  });
  const app = await buildServer({
    view,
    registry,
    logger,
    readinessChecks: [
      {
        name: 'pipeline',
        // A standby (no partitions) is ready: it is a healthy member waiting to take over.
        check: () => {
          const h = processor.health();
          return h.running ? Promise.resolve() : Promise.reject(new Error(`not consuming: ${h.lastError ?? 'starting'}`));
        },
      },
    ],
  });
  processor.start();
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  const removeTarget =
    config.PROMETHEUS_TARGETS_DIR === undefined ? undefined : await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'stream-aggregator', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
  return { app, processor, url, ...(removeTarget && { removeTarget }) };
}

/** The graceful drain: readiness 503, HTTP closed, the batch in hand committed, the group left. */
export async function stopAggregator(started: StartedAggregator, logger: Logger): Promise<void> {
  logger.info('shutting down: draining HTTP, then the pipeline');
  started.app.markDraining();
  await started.removeTarget?.().catch(() => undefined);
  await started.app.close();
  await started.processor.stop();
  logger.info('shut down');
}
