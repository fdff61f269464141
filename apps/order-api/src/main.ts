// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { readConfig } from './config.ts';
import { shutdown } from './shutdown.ts';
import { startOrderApi } from './start.ts';

// The only place that reads the process environment and handles signals; start.ts composes.
const config = readConfig();
const logger = createLogger('order-api', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'order-api' } });
const { parts } = await startOrderApi(config, { logger, registry });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    const hardStop = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000);
    hardStop.unref();
    shutdown(parts, config.SHUTDOWN_TIMEOUT_MS).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
