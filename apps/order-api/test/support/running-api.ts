import { Writable } from 'node:stream';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import type { Registry } from 'prom-client';
import { readConfig } from '../../src/config.ts';
import { shutdown, type RunningParts } from '../../src/shutdown.ts';
import { startOrderApi } from '../../src/start.ts';
import { freePort } from '@orderflow/testkit';

/** An order-api started by the production composition (`startOrderApi`, as main.ts does). */
export interface RunningApi {
  url: string;
  parts: RunningParts;
  registry: Registry;
  /** Every log line so far, parsed. */
  logs(): Record<string, unknown>[];
  /** One sample of a metric, 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** Starts order-api in-process with `env` on top of test defaults (loopback, a free port). */
export async function startRunningApi(env: Record<string, string>): Promise<RunningApi> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      if (process.env.ORDER_API_TEST_LOGS === '1') process.stderr.write(chunk);
      done();
    },
  });
  const config = readConfig({ PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const logger = createLogger('order-api', { level: config.LOG_LEVEL, destination });
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const { parts, url } = await startOrderApi(config, { logger, registry });
  let stopped = false;
  return {
    url,
    parts,
    registry,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (metric === undefined) return 0;
      const { values } = await metric.get();
      const match = values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
      return match.reduce((sum, v) => sum + v.value, 0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await shutdown(parts, 5_000);
    },
  };
}
