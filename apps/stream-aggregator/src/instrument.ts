import { startTracingFromEnv } from '@orderflow/telemetry';

/**
 * Tracing for stream-aggregator, started before anything else is loaded: `main.ts` imports this module
 * first so the SDK patches `node:http` before fastify and the clients load it. Off unless
 * TRACING_SAMPLE_RATIO is above 0 (docs/observability.md). Spans still buffered go out on
 * SIGTERM/SIGINT, while the service drains.
 */
export const tracing = startTracingFromEnv('stream-aggregator');

if (tracing.enabled) {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void tracing.shutdown());
}
