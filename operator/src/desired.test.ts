import { describe, expect, it } from 'vitest';
import { pipeline } from '../test/fixtures.ts';
import { consumerMaxReplicas, desired, retryDelayMs } from './desired.ts';

const checkout = pipeline({
  rabbitmq: {
    exchanges: [{ name: 'orders', type: 'direct' }],
    queues: [{ name: 'payments', bindings: [{ exchange: 'orders', routingKey: 'pay' }], retry: { maxAttempts: 3, backoff: { initial: '1s', max: '3s' } }, deadLetter: { enabled: true } }],
  },
  kafka: { topics: [{ name: 'order-events', partitions: 4 }] },
  consumers: [
    { name: 'payment-worker', image: 'img:1', source: { queue: 'payments' }, scaling: { maxReplicas: 10, targetLagPerReplica: 500 } },
    { name: 'aggregator', image: 'img:2', source: { topic: 'order-events', group: 'agg' }, scaling: { minReplicas: 2, maxReplicas: 12 } },
  ],
});

describe('desired', () => {
  it('declares the work queue with its dead-letter target, the DLQ and one delay queue per attempt', () => {
    const rabbit = desired(checkout).rabbitmq!;
    expect(rabbit.queues.map((q) => [q.name, q.role])).toEqual([
      ['payments', 'main'],
      ['payments.dlq', 'dead-letter'],
      ['payments.retry.1', 'retry'],
      ['payments.retry.2', 'retry'],
      ['payments.retry.3', 'retry'],
    ]);
    expect(rabbit.queues[0]!.arguments).toEqual({ 'x-queue-type': 'classic', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'payments.dlq' });
    // Delays double and stop at the maximum; each delay queue returns messages to the work queue.
    expect(rabbit.queues.filter((q) => q.role === 'retry').map((q) => q.arguments['x-message-ttl'])).toEqual([1000, 2000, 3000]);
    expect(rabbit.queues[2]!.arguments['x-dead-letter-routing-key']).toBe('payments');
    expect(rabbit.bindings).toEqual([{ exchange: 'orders', queue: 'payments', routingKey: 'pay', arguments: {} }]);
  });

  it('caps a Kafka consumer at the partition count and leaves RabbitMQ consumers at maxReplicas', () => {
    const d = desired(checkout);
    const hpas = d.autoscalers as unknown as { metadata: { name: string }; spec: { minReplicas: number; maxReplicas: number; metrics: { external: { target: { averageValue: string } } }[] } }[];
    expect(hpas.map((h) => [h.metadata.name, h.spec.minReplicas, h.spec.maxReplicas])).toEqual([
      ['checkout-payment-worker', 1, 10],
      ['checkout-aggregator', 2, 4],
    ]);
    expect(hpas[0]!.spec.metrics[0]!.external.target.averageValue).toBe('500');
    expect(consumerMaxReplicas(checkout, checkout.spec.consumers[1]!)).toBe(4);
  });

  it('creates a ConfigMap, Deployment and Service per consumer, owned by the pipeline, without replicas', () => {
    const d = desired(checkout);
    expect(d.workloads.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/checkout-payment-worker',
      'Deployment/checkout-payment-worker',
      'Service/checkout-payment-worker',
      'ConfigMap/checkout-aggregator',
      'Deployment/checkout-aggregator',
      'Service/checkout-aggregator',
    ]);
    for (const o of d.workloads) expect(o.metadata.ownerReferences).toEqual([{ apiVersion: 'orderflow.dev/v1alpha1', kind: 'OrderPipeline', name: 'checkout', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    const deployment = d.workloads[1] as unknown as { spec: Record<string, unknown> };
    expect(deployment.spec.replicas).toBeUndefined();
    expect((d.workloads[0] as unknown as { data: Record<string, string> }).data).toEqual({ PORT: '8080', ORDERFLOW_QUEUE: 'payments', MAX_RETRIES: '3', ORDERFLOW_DEAD_LETTER_QUEUE: 'payments.dlq', PREFETCH: '200', TOPOLOGY_MODE: 'verify' });
  });

  it('rolls the consumer Pods when its contract variables change (a digest of the ConfigMap on the Pod template)', () => {
    const digest = (p: typeof checkout): string => {
      const d = desired(p).workloads.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
      return d.spec.template.metadata.annotations['orderflow.dev/config-digest']!;
    };
    const moreRetries = pipeline({ ...checkout.spec, rabbitmq: { ...checkout.spec.rabbitmq, queues: [{ ...checkout.spec.rabbitmq!.queues[0]!, retry: { maxAttempts: 4, backoff: { initial: '1s', max: '3s' } } }] } });
    expect(digest(checkout)).toMatch(/^[0-9a-f]{16}$/);
    expect(digest(pipeline(checkout.spec))).toBe(digest(checkout));
    expect(digest(moreRetries)).not.toBe(digest(checkout));
  });

  it('passes a consumer env from a Secret or ConfigMap through as a reference, never as a value', () => {
    const withEnv = pipeline({
      ...checkout.spec,
      consumers: [
        {
          ...checkout.spec.consumers[0],
          env: [
            { name: 'LOG_LEVEL', value: 'debug' },
            { name: 'PROVIDER_TOKEN', valueFrom: { secretKeyRef: { name: 'payment-provider', key: 'token' } } },
            { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'site', key: 'region', optional: true } } },
          ],
        },
      ],
    });
    const deployment = desired(withEnv).workloads.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: unknown[] }[] } } } };
    expect(deployment.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'PROVIDER_TOKEN', valueFrom: { secretKeyRef: { name: 'payment-provider', key: 'token' } } },
      { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'site', key: 'region', optional: true } } },
    ]);
  });

  it('lists the secret files\' path variables ahead of the consumer\'s env, so an env value can name one as $(NAME_FILE)', () => {
    // Kubernetes expands $(VAR) only from variables defined earlier in the list: the chart's
    // NODE_EXTRA_CA_CERTS=$(BROKER_CA_FILE) (tls.caSecret) depends on this order.
    const withCa = pipeline({
      ...checkout.spec,
      consumers: [
        {
          ...checkout.spec.consumers[0],
          env: [{ name: 'NODE_EXTRA_CA_CERTS', value: '$(BROKER_CA_FILE)' }],
          secretFiles: [{ name: 'BROKER_CA', secretKeyRef: { name: 'broker-ca', key: 'ca.crt' } }],
        },
      ],
    });
    const deployment = desired(withCa).workloads.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    const env = deployment.spec.template.spec.containers[0]!.env;
    const names = env.map((e) => e.name);
    expect(names.indexOf('BROKER_CA_FILE')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('BROKER_CA_FILE')).toBeLessThan(names.indexOf('NODE_EXTRA_CA_CERTS'));
    expect(env.find((e) => e.name === 'BROKER_CA_FILE')!.value).toMatch(/^\//);
  });

  it('tells a Kafka consumer its offset reset policy, the one its lag is measured with (latest when unset)', () => {
    const data = (name: string, p = checkout): Record<string, string> => (desired(p).workloads.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as unknown as { data: Record<string, string> }).data;
    expect(data('checkout-aggregator')).toMatchObject({ ORDERFLOW_KAFKA_GROUP: 'agg', ORDERFLOW_KAFKA_OFFSET_RESET: 'latest' });
    const earliest = pipeline({ ...checkout.spec, consumers: [{ ...checkout.spec.consumers[1], source: { topic: 'order-events', group: 'agg', offsetResetPolicy: 'earliest' } }] });
    expect(data('checkout-aggregator', earliest).ORDERFLOW_KAFKA_OFFSET_RESET).toBe('earliest');
  });

  it('is a pure function of the spec', () => {
    expect(desired(checkout)).toEqual(desired(structuredClone(checkout)));
  });

  it('doubles retry delays up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(1000, 60_000, n))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
  });
});
