import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startTracing, type Tracing } from './tracing.ts';
import { tracingSettings } from './tracing-settings.ts';

const OFF: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Starts tracing for `serviceName` as its environment says (see `tracingSettings`), with the
 * HTTP instrumentation (incoming requests become server spans that continue the caller's
 * `traceparent`). Synchronous on purpose: `main.ts` imports the module calling it first, and a
 * module that awaited here would let its sibling imports (fastify, which loads `node:http`)
 * run before the SDK is in place. Off (the default), nothing is started or patched and the
 * spans the code starts are the API's no-op spans.
 */
export function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const settings = tracingSettings(env);
  if (settings.sampleRatio === 0) return OFF;
  return startTracing({
    serviceName,
    otlpEndpoint: settings.otlpEndpoint,
    sampleRatio: settings.sampleRatio,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not part of any order's story.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
    ],
  });
}
