import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type kafkajs from 'kafkajs';
import { connect } from 'amqplib';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { KubeRequestFailed } from '../src/errors.ts';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { objectPath, pipelinePath } from '../src/kube/paths.ts';
import { deleteVhost, kafkaAdmin, managementClient } from './brokers.ts';
import { applyPipeline, condition, createNamespace, deleteNamespace, ensureCrd, eventsFor, freePort, getPipeline, kubeClient, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// One namespace, one vhost and unique topic names for this file; the operator under test is a
// real process confined to this namespace's pipelines.
const kube: KubeClient = kubeClient();
const rabbit = managementClient();
const vhost = uniqueName('op-pipeline');
const topic = uniqueName('op-pipeline-events');
let ns = '';
let operator: OperatorProcess;
let admin: kafkajs.Admin;

const spec = (partitions: number): unknown => ({
  rabbitmq: {
    vhost,
    exchanges: [{ name: 'orders', type: 'direct' }],
    queues: [{ name: 'payments', bindings: [{ exchange: 'orders', routingKey: 'pay' }], retry: { maxAttempts: 2, backoff: { initial: '1s', max: '10s' } }, deadLetter: { enabled: true } }],
  },
  kafka: { topics: [{ name: topic, partitions, replicationFactor: 1 }] },
  consumers: [
    { name: 'payment-worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'payments' }, scaling: { maxReplicas: 5, targetLagPerReplica: 100 } },
    { name: 'aggregator', image: 'ghcr.io/orderflow/stream-aggregator:test', source: { topic, group: `${topic}-agg` }, scaling: { maxReplicas: 10 } },
  ],
});

async function partitionsOnKafka(name: string): Promise<number> {
  return (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]!.partitions.length;
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-pipeline');
  admin = await kafkaAdmin();
  operator = await startOperator(ns);
});

afterAll(async () => {
  await operator?.stop();
  await deleteNamespace(kube, ns);
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  await deleteVhost(vhost);
  kube.close();
});

describe('an OrderPipeline on the real API server and brokers', () => {
  it('becomes Ready with its topology on RabbitMQ and Kafka and its consumers in the cluster', async () => {
    await applyPipeline(kube, ns, 'checkout', spec(2));
    const p = await waitForCondition(kube, ns, 'checkout', 'Ready', 'True');
    expect(condition(p, 'TopologyReady')?.reason).toBe('TopologyApplied');
    // No kubelet here: pods stay Pending, and the condition says so instead of claiming availability.
    expect(condition(p, 'ConsumersReady')).toMatchObject({ status: 'True', reason: 'PodsPending' });
    expect(p.metadata.finalizers).toContain('orderflow.dev/cleanup');

    expect((await rabbit.getQueue(vhost, 'payments'))?.arguments).toMatchObject({ 'x-dead-letter-routing-key': 'payments.dlq' });
    expect(await rabbit.getQueue(vhost, 'payments.dlq')).toBeDefined();
    expect((await rabbit.getQueue(vhost, 'payments.retry.2'))?.arguments).toMatchObject({ 'x-message-ttl': 2000 });
    expect(await rabbit.getBindings(vhost, 'orders', 'payments')).toHaveLength(1);
    expect(await partitionsOnKafka(topic)).toBe(2);
    expect(p.status?.topics).toEqual([{ name: topic, partitions: 2, desiredPartitions: 2 }]);
    expect(p.status?.queues?.map((q) => q.name)).toEqual(['payments', 'payments.dlq', 'payments.retry.1', 'payments.retry.2']);

    const deployment = await kube.get<{ metadata: { ownerReferences: { kind: string; name: string }[] } }>(objectPath('apps/v1', 'Deployment', ns, 'checkout-payment-worker'));
    expect(deployment?.metadata.ownerReferences[0]).toMatchObject({ kind: 'OrderPipeline', name: 'checkout' });
    const hpa = await kube.get<{ spec: { maxReplicas: number } }>(objectPath('autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'checkout-aggregator'));
    // The Kafka consumer is capped at the partition count (2), not its maxReplicas (10).
    expect(hpa?.spec.maxReplicas).toBe(2);
    const reasons = (await eventsFor(kube, ns, 'checkout')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['QueueCreated', 'ExchangeCreated', 'BindingCreated', 'TopicCreated']));
  });

  it('grows partitions, and raises the Kafka consumer cap with them', async () => {
    await applyPipeline(kube, ns, 'checkout', spec(4));
    const p = await waitForCondition(kube, ns, 'checkout', 'Ready', 'True');
    expect(p.status?.topics).toEqual([{ name: topic, partitions: 4, desiredPartitions: 4 }]);
    // The controller acknowledged the growth; the broker's metadata cache follows a moment later.
    await waitFor(async () => (await partitionsOnKafka(topic)) === 4, { what: 'the broker to report 4 partitions', timeoutMs: 15_000 });
    await waitFor(async () => (await kube.get<{ spec: { maxReplicas: number } }>(objectPath('autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'checkout-aggregator')))?.spec.maxReplicas === 4, { what: 'HPA maxReplicas 4' });
  });

  it('refuses a partition decrease in a condition and never applies it', async () => {
    await applyPipeline(kube, ns, 'checkout', spec(1));
    const p = await waitForCondition(kube, ns, 'checkout', 'TopologyReady', 'False', 'PartitionDecreaseRefused');
    expect(condition(p, 'TopologyReady')?.message).toContain('decrease to 1 is refused');
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'PartitionDecreaseRefused' });
    expect(p.status?.topics).toEqual([{ name: topic, partitions: 4, desiredPartitions: 1 }]);
    expect(await partitionsOnKafka(topic)).toBe(4);
    const events = await eventsFor(kube, ns, 'checkout');
    expect(events.find((e) => e.reason === 'PartitionDecreaseRefused')?.type).toBe('Warning');
    await applyPipeline(kube, ns, 'checkout', spec(4));
    await waitForCondition(kube, ns, 'checkout', 'Ready', 'True');
  });

  it('recreates a queue and a topic deleted by hand (periodic resync repairs drift)', async () => {
    await rabbit.deleteQueue(vhost, 'payments');
    await admin.deleteTopics({ topics: [topic] });
    await waitFor(async () => (await rabbit.getQueue(vhost, 'payments')) !== undefined, { what: 'queue payments to come back', timeoutMs: 30_000 });
    await waitFor(async () => (await admin.listTopics()).includes(topic), { what: 'the topic to come back', timeoutMs: 30_000 });
    expect(await rabbit.getBindings(vhost, 'orders', 'payments')).toHaveLength(1);
    const drift = (await eventsFor(kube, ns, 'checkout')).filter((e) => e.reason === 'DriftRepaired').map((e) => e.message);
    expect(drift).toEqual(expect.arrayContaining(['recreated queue payments, which was missing on the broker']));
  });

  it('an invalid spec is rejected by the API server with a clear message', async () => {
    const invalid = {
      consumers: [{ name: 'c', image: 'x', source: { topic: 'nope' }, scaling: { minReplicas: 5, maxReplicas: 2 } }],
      kafka: { topics: [{ name: 'nope', partitions: 0 }] },
    };
    const err = await applyPipeline(kube, ns, 'invalid', invalid).catch((e: unknown) => e);
    expect(KubeRequestFailed.is(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('HTTP 422');
    expect(message).toContain('minReplicas must not be above maxReplicas');
    expect(message).toContain('a topic source needs a consumer group');
    expect(message).toContain('partitions in body should be greater than or equal to 1');
    expect(await getPipeline(kube, ns, 'invalid')).toBeUndefined();
  });
});

describe('deletion policies', () => {
  const policySpec = (policy: string, q: string): unknown => ({
    deletionPolicy: policy,
    rabbitmq: { vhost, queues: [{ name: `${q}-full` }, { name: `${q}-empty` }] },
  });

  async function publish(queue: string): Promise<void> {
    const conn = await connect(`${stackSetting('RABBITMQ_URL')}/${encodeURIComponent(vhost)}`);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(queue, Buffer.from('order'), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
  }

  async function deleteAndWait(name: string): Promise<void> {
    await kube.request('DELETE', pipelinePath(ns, name));
    await waitFor(async () => (await getPipeline(kube, ns, name)) === undefined, { what: `${name} to be deleted`, timeoutMs: 30_000 });
  }

  it.each([
    ['Retain', { full: true, empty: true }],
    ['DeleteIfEmpty', { full: true, empty: false }],
    ['Delete', { full: false, empty: false }],
  ] as const)('%s', async (policy, kept) => {
    const name = `policy-${policy.toLowerCase()}`;
    await applyPipeline(kube, ns, name, policySpec(policy, name));
    await waitForCondition(kube, ns, name, 'Ready', 'True');
    await publish(`${name}-full`);
    await deleteAndWait(name);
    expect((await rabbit.getQueue(vhost, `${name}-full`)) !== undefined).toBe(kept.full);
    expect((await rabbit.getQueue(vhost, `${name}-empty`)) !== undefined).toBe(kept.empty);
    const reasons = (await eventsFor(kube, ns, name)).map((e) => e.reason);
    if (policy !== 'Delete') expect(reasons).toContain('CleanupRetained');
    if (policy !== 'Retain') expect(reasons).toContain('CleanupDeleted');
  });

  it('never leaves a pipeline stuck when the broker is unreachable: bounded wait, then a warning event', async () => {
    // A second operator instance whose RabbitMQ management URL points at a closed port.
    const instance = `${ns}-down`;
    const broken = await startOperator(ns, {
      OPERATOR_INSTANCE: instance,
      LEASE_NAME: 'orderflow-operator-down',
      RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${await freePort()}`,
      CLEANUP_TIMEOUT_MS: '3000',
    });
    try {
      await applyPipeline(kube, ns, 'unreachable', { rabbitmq: { vhost, queues: [{ name: 'lost' }] } }, instance);
      const p = await waitForCondition(kube, ns, 'unreachable', 'TopologyReady', 'False', 'BrokerUnreachable');
      expect(condition(p, 'TopologyReady')?.message).toContain('RabbitMQ management API unreachable');
      const before = await getPipeline(kube, ns, 'unreachable');
      expect(before?.metadata.finalizers).toContain('orderflow.dev/cleanup');
      await deleteAndWait('unreachable');
      const abandoned = (await eventsFor(kube, ns, 'unreachable')).find((e) => e.reason === 'CleanupAbandoned');
      expect(abandoned?.type).toBe('Warning');
      expect(abandoned?.reportingInstance).toBe(broken.identity);
      expect(abandoned?.message).toContain('broker objects may remain');
    } finally {
      await broken.stop();
    }
  });
  it('replaces a consumer Service whose fields cannot change in place (left by an older operator)', async () => {
    // A ClusterIP Service under the name the operator's headless one will take: clusterIP is
    // immutable, so a plain apply is refused with 422 on every reconcile.
    await kube.apply(
      objectPath('v1', 'Service', ns, 'legacy-payment-worker'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy-payment-worker', namespace: ns }, spec: { ports: [{ name: 'http', port: 8080 }], selector: { app: 'legacy' } } },
      'orderflow-operator-tests',
    );
    await applyPipeline(kube, ns, 'legacy', {
      rabbitmq: { vhost, queues: [{ name: 'legacy-payments' }] },
      consumers: [{ name: 'payment-worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'legacy-payments' }, scaling: { maxReplicas: 2 } }],
    });
    const p = await waitForCondition(kube, ns, 'legacy', 'ConsumersReady', 'True');
    expect(condition(p, 'Ready')?.status).toBe('True');
    const service = await kube.get<{ spec: { clusterIP: string }; metadata: { ownerReferences?: { name: string }[] } }>(objectPath('v1', 'Service', ns, 'legacy-payment-worker'));
    expect(service?.spec.clusterIP).toBe('None');
    expect(service?.metadata.ownerReferences?.[0]?.name).toBe('legacy');
  });
});
