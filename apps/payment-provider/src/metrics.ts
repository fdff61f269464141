import { Counter, Gauge, Histogram, type Registry } from '@orderflow/telemetry';

/** The provider's own series, registered on the registry it is given. */
export interface ProviderMetrics {
  requests: Counter<'method' | 'route' | 'status_code'>;
  requestDuration: Histogram<'method' | 'route'>;
  charges: Counter<'outcome'>;
  failureRate: Gauge;
  latency: Gauge;
}

export function createProviderMetrics(registry: Registry): ProviderMetrics {
  const registers = [registry];
  return {
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_code'], registers }),
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    charges: new Counter({
      name: 'provider_charge_requests_total',
      help: 'Charge requests by outcome: created, replayed (idempotent repeat), failed (injected outage), conflict',
      labelNames: ['outcome'],
      registers,
    }),
    failureRate: new Gauge({ name: 'provider_injected_failure_rate', help: 'Current injected failure rate (0..1)', registers }),
    latency: new Gauge({ name: 'provider_injected_latency_ms', help: 'Current injected base latency in ms', registers }),
  };
}
