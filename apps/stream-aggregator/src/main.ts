// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { readConfig } from './config.ts';
import { startAggregator, stopAggregator } from './start.ts';

// The only place that reads the process environment and handles signals; start.ts composes.
const config = readConfig();
const logger = createLogger('stream-aggregator', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'stream-aggregator' } });
const started = await startAggregator(config, { logger, registry });
logger.info({ url: started.url, instance: config.POD_NAME }, 'stream aggregator listening');

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
    stopAggregator(started, logger).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
