import { Counter, Histogram, type Registry } from 'prom-client';

/** Messaging metrics, registered once per registry (several publishers/consumers share them). */
export interface MessagingMetrics {
  published: Counter<'exchange' | 'outcome'>;
  confirmSeconds: Histogram;
  consumed: Counter<'queue' | 'outcome'>;
}

const cache = new WeakMap<Registry, MessagingMetrics>();

/** The messaging metrics in `registry`, created on first use. */
export function messagingMetrics(registry: Registry): MessagingMetrics {
  const existing = cache.get(registry);
  if (existing !== undefined) return existing;
  const metrics: MessagingMetrics = {
    published: new Counter({
      name: 'amqp_messages_published_total',
      help: 'Messages published with publisher confirms, by exchange and outcome (confirmed, nacked, returned, timeout, failed).',
      labelNames: ['exchange', 'outcome'] as const,
      registers: [registry],
    }),
    confirmSeconds: new Histogram({
      name: 'amqp_publish_batch_confirm_seconds',
      help: 'Time from the first publish of a batch until the broker confirmed all of it.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    consumed: new Counter({
      name: 'amqp_messages_consumed_total',
      help: 'Messages consumed, by queue and outcome (ack, requeue, reject, invalid).',
      labelNames: ['queue', 'outcome'] as const,
      registers: [registry],
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}

/** Publisher-side metrics beyond the per-message counter (see {@link publisherMetrics}). */
export interface PublisherMetrics {
  topologyDeclarations: Counter<'outcome'>;
}

const publisherCache = new WeakMap<Registry, PublisherMetrics>();

/** `amqp_topology_declarations_total{outcome}`: topology (re)declared by a publisher before it published. */
export function publisherMetrics(registry: Registry): PublisherMetrics {
  const existing = publisherCache.get(registry);
  if (existing !== undefined) return existing;
  const metrics: PublisherMetrics = {
    topologyDeclarations: new Counter({
      name: 'amqp_topology_declarations_total',
      help: 'Topology declarations run by a publisher on a new channel or after a returned message, by outcome (ok, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
  publisherCache.set(registry, metrics);
  return metrics;
}
