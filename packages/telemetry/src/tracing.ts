import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Instrumentation } from '@opentelemetry/instrumentation';

/** Options for {@link startTracing}. */
export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP base URL (`http://127.0.0.1:4318`); tracing is off when absent. */
  otlpEndpoint?: string | undefined;
  /**
   * Share of new traces recorded, 0..1 (default 1). Parent-based: a span whose caller's trace
   * was sampled is always recorded, so one trace never loses its middle.
   */
  sampleRatio?: number;
  /** Instrumentations for the clients this service uses (http, pg, amqplib, …). */
  instrumentations?: Instrumentation[];
  /** Where SDK problems are reported; the SDK never throws into a request path. */
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A running tracer provider, or the no-op one when tracing is off. */
export interface Tracing {
  readonly enabled: boolean;
  /** Flushes pending spans and stops exporting. Safe to call twice. */
  shutdown(): Promise<void>;
}

function diagBridge(logger: NonNullable<TracingOptions['logger']>): DiagLogger {
  const warn = (message: string, ...args: unknown[]): void => logger.warn({ args }, `otel: ${message}`);
  return {
    error: (message, ...args) => logger.error({ args }, `otel: ${message}`),
    warn,
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
}

/**
 * Starts the OpenTelemetry SDK with an OTLP trace exporter when an endpoint is configured.
 * Must run before the instrumented clients are imported for their patches to apply.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (options.logger !== undefined) diag.setLogger(diagBridge(options.logger), DiagLogLevel.WARN);
  if (options.otlpEndpoint === undefined) {
    return { enabled: false, shutdown: () => Promise.resolve() };
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    }),
    traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: options.instrumentations ?? [],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => {
      stopped ??= sdk.shutdown().catch((err: unknown) => {
        options.logger?.warn({ err }, 'otel: shutdown failed');
      });
      return stopped;
    },
  };
}
