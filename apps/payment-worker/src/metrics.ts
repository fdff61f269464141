import { Counter, Gauge, Histogram, createBreakerGauge, type Registry } from '@orderflow/telemetry';

/** What happened to a consumed message. */
export type Outcome = 'paid' | 'free' | 'duplicate' | 'superseded' | 'retry_scheduled' | 'parked' | 'dead_lettered' | 'poison';

/** The worker's series (the AMQP publish/confirm series come from @orderflow/messaging). */
export interface WorkerMetrics {
  processed: Counter<'outcome'>;
  chargeSeconds: Histogram<'result'>;
  providerRetries: Counter;
  breakerState: Gauge;
  breakerTransitions: Counter<'state'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  lookupSize: Histogram;
  inFlight: Gauge;
  replayed: Counter<'mode'>;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    processed: new Counter({
      name: 'payments_messages_processed_total',
      help: 'Messages settled, by outcome: paid, free (total 0: paid without a charge), duplicate (already paid, not charged again), superseded (not the order\'s live copy: dropped uncharged), retry_scheduled, parked (breaker open), dead_lettered, poison',
      labelNames: ['outcome'],
      registers,
    }),
    chargeSeconds: new Histogram({
      name: 'payments_charge_duration_seconds',
      help: 'Time to charge one order through the provider policy (all in-process retries included)',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    providerRetries: new Counter({ name: 'payments_provider_retries_total', help: 'In-process retries of charge calls', registers }),
    breakerState: createBreakerGauge({ name: 'payments_provider_breaker_state', guards: 'the payment provider', registry }),
    breakerTransitions: new Counter({ name: 'payments_provider_breaker_transitions_total', help: 'Breaker state changes, by new state', labelNames: ['state'], registers }),
    batchSize: new Histogram({ name: 'payments_batch_size', help: 'Messages settled per database transaction', buckets: [1, 5, 10, 25, 50, 100, 200, 500, 1000], registers }),
    batchSeconds: new Histogram({
      name: 'payments_batch_commit_seconds',
      help: 'Time to publish retries/dead letters, commit and ack one batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    lookupSize: new Histogram({
      name: 'payments_lookup_batch_size',
      help: 'Deliveries screened per payments lookup (one query per batch of arrivals, before any charge)',
      buckets: [1, 5, 10, 25, 50, 100, 200, 500, 1000],
      registers,
    }),
    inFlight: new Gauge({ name: 'payments_messages_in_hand', help: 'Messages received and not yet acknowledged', registers }),
    replayed: new Counter({ name: 'payments_dlq_replayed_total', help: 'Dead letters replayed (or inspected in a dry run)', labelNames: ['mode'], registers }),
  };
}
