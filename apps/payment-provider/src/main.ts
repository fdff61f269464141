// First: tracing must patch node:http before anything loads it.
import './instrument.ts';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { loadProviderConfig } from './config.ts';
import { Faults } from './faults.ts';
import { ChargeLedger } from './ledger.ts';
import { RequestLog } from './request-log.ts';
import { writePrometheusTarget } from '@orderflow/http';
import { buildServer } from './server.ts';

const config = loadProviderConfig();
const logger = createLogger('payment-provider', { level: config.LOG_LEVEL });
const registry = createMetricsRegistry({ defaultLabels: { service: 'payment-provider' } });
const faults = new Faults({
  latencyMs: config.PROVIDER_LATENCY_MS,
  jitterMs: config.PROVIDER_LATENCY_JITTER_MS,
  failureRate: config.PROVIDER_FAILURE_RATE,
});
const app = buildServer(config, { ledger: new ChargeLedger(), requests: new RequestLog(), faults, registry, logger });

let closing = false;
let removeTarget: (() => Promise<void>) | undefined;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'shutting down');
  Promise.all([removeTarget?.(), app.close()]).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

const address = await app.listen({ port: config.PORT, host: config.HOST });
if (config.PROMETHEUS_TARGETS_DIR !== undefined) {
  removeTarget = await writePrometheusTarget(config.PROMETHEUS_TARGETS_DIR, 'payment-provider', config.METRICS_ADVERTISE_ADDRESS ?? `127.0.0.1:${config.PORT}`);
}
logger.info({ address, faults: faults.settings, admin: config.PROVIDER_ADMIN_TOKEN !== undefined }, 'payment provider listening');
