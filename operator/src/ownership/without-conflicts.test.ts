import { describe, expect, it } from 'vitest';
import { pipeline } from '../../test/fixtures.ts';
import { desired } from '../desired.ts';
import { brokerNameKey, brokerNames, claimObjectName } from './broker-names.ts';
import { withoutConflicts } from './without-conflicts.ts';

const p = pipeline({
  rabbitmq: {
    vhost: 'shop',
    exchanges: [{ name: 'orders', type: 'direct' }],
    queues: [
      { name: 'payments', bindings: [{ exchange: 'orders', routingKey: 'pay' }], retry: { maxAttempts: 2 }, deadLetter: { enabled: true } },
      { name: 'audit', bindings: [{ exchange: 'orders', routingKey: 'audit' }] },
    ],
  },
  kafka: { topics: [{ name: 'order-events', partitions: 2 }] },
  consumers: [
    { name: 'payment-worker', image: 'x', source: { queue: 'payments' }, scaling: { maxReplicas: 2 } },
    { name: 'auditor', image: 'x', source: { queue: 'audit' }, scaling: { maxReplicas: 2 } },
    { name: 'aggregator', image: 'x', source: { topic: 'order-events', group: 'agg' }, scaling: { maxReplicas: 2 } },
  ],
});

describe('broker names', () => {
  it('lists every exchange, queue (delay and dead-letter queues included) and topic, vhost-scoped for RabbitMQ', () => {
    expect(brokerNames(desired(p)).map(brokerNameKey)).toEqual([
      'exchange/shop/orders',
      'queue/shop/payments',
      'queue/shop/payments.dlq',
      'queue/shop/payments.retry.1',
      'queue/shop/payments.retry.2',
      'queue/shop/audit',
      'topic/order-events',
    ]);
  });

  it('names each claim object by a hash that fits a Kubernetes name and differs per vhost', () => {
    const a = claimObjectName({ kind: 'queue', vhost: 'a', name: 'q' });
    expect(a).toMatch(/^orderflow-claim-[0-9a-f]{40}$/);
    expect(claimObjectName({ kind: 'queue', vhost: 'b', name: 'q' })).not.toBe(a);
    expect(claimObjectName({ kind: 'exchange', vhost: 'a', name: 'q' })).not.toBe(a);
  });
});

describe('withoutConflicts', () => {
  it('changes nothing without conflicts', () => {
    expect(withoutConflicts(p, desired(p), [])).toEqual(desired(p));
  });

  it('drops a queue with its whole family when one member is owned elsewhere, its bindings and the consumers reading it', () => {
    const out = withoutConflicts(p, desired(p), [{ kind: 'queue', vhost: 'shop', name: 'payments.retry.2' }]);
    expect(out.rabbitmq?.queues.map((q) => q.name)).toEqual(['audit']);
    expect(out.rabbitmq?.bindings.map((b) => b.queue)).toEqual(['audit']);
    expect(out.rabbitmq?.exchanges.map((e) => e.name)).toEqual(['orders']);
    expect(out.workloads.map((o) => `${o.kind}/${o.metadata.name}`)).not.toContain('Deployment/checkout-payment-worker');
    expect(out.autoscalers.map((o) => o.metadata.name)).toEqual(['checkout-auditor', 'checkout-aggregator']);
  });

  it('drops an exchange owned elsewhere but keeps this pipeline\'s bindings to it (binding to an existing exchange is allowed)', () => {
    const out = withoutConflicts(p, desired(p), [{ kind: 'exchange', vhost: 'shop', name: 'orders' }]);
    expect(out.rabbitmq?.exchanges).toEqual([]);
    expect(out.rabbitmq?.bindings).toHaveLength(2);
    expect(out.workloads).toHaveLength(9);
  });

  it('drops a topic owned elsewhere and its consumer; the same name in another vhost is no conflict', () => {
    const out = withoutConflicts(p, desired(p), [{ kind: 'topic', name: 'order-events' }, { kind: 'queue', vhost: 'other', name: 'audit' }]);
    expect(out.kafka.topics).toEqual([]);
    expect(out.autoscalers.map((o) => o.metadata.name)).toEqual(['checkout-payment-worker', 'checkout-auditor']);
    expect(out.rabbitmq?.queues.map((q) => q.name)).toContain('audit');
  });
});
