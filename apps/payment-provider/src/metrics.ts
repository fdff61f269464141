import { Counter, Gauge, type Registry } from '@orderflow/telemetry';

/** The provider's own series (HTTP series come from @orderflow/http), on the registry it is given. */
export interface ProviderMetrics {
  charges: Counter<'outcome'>;
  failureRate: Gauge;
  latency: Gauge;
}

export function createProviderMetrics(registry: Registry): ProviderMetrics {
  const registers = [registry];
  return {
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
