import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** pino level; defaults to `info`. */
  level?: string;
  /** Extra fields on every line (for example the pod name). */
  base?: Record<string, unknown>;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/** Paths whose values never reach a log line: credentials in configs, headers and URLs. */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.DATABASE_URL',
  '*.RABBITMQ_URL',
  '*.REDIS_URL',
  'DATABASE_URL',
  'RABBITMQ_URL',
  'REDIS_URL',
];

/**
 * A structured JSON logger for one service, as fastify uses. Every line carries the service
 * name and, inside a traced operation, its `trace_id` and `span_id` so logs join traces.
 */
export function createLogger(service: string, options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service, ...options.base },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (span === undefined) return {};
      const ctx = span.spanContext();
      return { trace_id: ctx.traceId, span_id: ctx.spanId };
    },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
