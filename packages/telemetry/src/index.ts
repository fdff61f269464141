export { createMetricsRegistry } from './metrics.ts';
export type { MetricsRegistryOptions } from './metrics.ts';
export { startTracing } from './tracing.ts';
export type { Tracing, TracingOptions } from './tracing.ts';
export { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
