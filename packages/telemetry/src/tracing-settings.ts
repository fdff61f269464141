import { TracingMisconfigured } from './errors.ts';

/** How a service traces, read from its environment by {@link tracingSettings}. */
export interface TracingSettings {
  /** Share of new traces recorded, 0..1; 0 means tracing is off (nothing is loaded or started). */
  sampleRatio: number;
  /** OTLP/HTTP base URL spans go to. */
  otlpEndpoint: string | undefined;
}

/**
 * Reads `TRACING_SAMPLE_RATIO` (0..1, default 0: off) and `OTEL_EXPORTER_OTLP_ENDPOINT` (the
 * OpenTelemetry variable; required when the ratio is above 0). A bad value stops the service at
 * start with `TELEMETRY_ERR_TRACING_CONFIG` naming the variable, never a silent default.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const raw = env.TRACING_SAMPLE_RATIO?.trim() ?? '';
  const sampleRatio = raw === '' ? 0 : Number(raw);
  if (!Number.isFinite(sampleRatio) || sampleRatio < 0 || sampleRatio > 1) {
    throw new TracingMisconfigured(['TRACING_SAMPLE_RATIO', `must be a number from 0 to 1, got '${raw}'`]);
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new TracingMisconfigured(['OTEL_EXPORTER_OTLP_ENDPOINT', `must be an http(s) URL, got '${endpoint}'`]);
  }
  if (sampleRatio > 0 && endpoint === undefined) {
    throw new TracingMisconfigured(['OTEL_EXPORTER_OTLP_ENDPOINT', `is required when TRACING_SAMPLE_RATIO is ${raw}`]);
  }
  return { sampleRatio, otlpEndpoint: endpoint };
}
