import { Registry, collectDefaultMetrics } from 'prom-client';

/** Options for {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Labels on every series (for example `{ service: 'order-api' }`). */
  defaultLabels?: Record<string, string>;
  /** Collect process and Node.js runtime metrics (default true). */
  defaultMetrics?: boolean;
}

/**
 * A prom-client registry per service (never the global one, so tests and several services in
 * one process do not collide), with process and runtime metrics.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
