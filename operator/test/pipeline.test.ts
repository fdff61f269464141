import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Admin } from '@platformatic/kafka';
import { uniqueName, waitFor } from '@orderflow/testkit';
import { KubeRequestFailed } from '../src/errors.ts';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { objectPath, pipelinePath } from '../src/kube/paths.ts';
import { partitionCounts } from '../src/kafka/topic-offsets.ts';
import { deleteVhost, kafkaAdmin, managementClient, publishTo, purgeQueue } from './brokers.ts';
import { applyPipeline, condition, createNamespace, deleteNamespace, deletePipelineAndWait, ensureCrd, eventsFor, freePort, getPipeline, kubeClient, operatorMetrics, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// One namespace, one vhost and unique topic names for this file; the operator under test is a
// real process confined to this namespace's pipelines.
const kube: KubeClient = kubeClient();
const rabbit = managementClient();
const vhost = uniqueName('op-pipeline');
const topic = uniqueName('op-pipeline-events');
let ns = '';
let operator: OperatorProcess;
let admin: Admin;

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
  return (await partitionCounts(admin, [name])).get(name)!;
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-pipeline');
  admin = kafkaAdmin();
  operator = await startOperator(ns);
});

afterAll(async () => {
  await operator?.stop();
  await deleteNamespace(kube, ns);
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.close();
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
    // Events are written at the end of the reconcile that repaired both, after the objects reappear.
    const drift = async (): Promise<string[]> => (await eventsFor(kube, ns, 'checkout')).filter((e) => e.reason === 'DriftRepaired').map((e) => e.message);
    await waitFor(async () => (await drift()).some((m) => m.startsWith(`recreated topic ${topic} `)), { what: 'a DriftRepaired event for the topic', timeoutMs: 30_000 });
    expect(await drift()).toEqual(expect.arrayContaining(['recreated queue payments, which was missing on the broker']));
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

describe('consumer environment', () => {
  it('an env entry from a Secret reaches the Deployment as a secretKeyRef (no value in the pipeline); value and valueFrom together are rejected', async () => {
    const consumer = { name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'secret-env-q' }, scaling: { maxReplicas: 1 } };
    await applyPipeline(kube, ns, 'secret-env', {
      rabbitmq: { vhost, queues: [{ name: 'secret-env-q' }] },
      consumers: [{ ...consumer, env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'PROVIDER_TOKEN', valueFrom: { secretKeyRef: { name: 'payment-provider', key: 'token' } } }] }],
    });
    const deployment = await waitFor(
      async () => kube.get<{ spec: { template: { spec: { containers: { env?: unknown[] }[] } } } }>(objectPath('apps/v1', 'Deployment', ns, 'secret-env-worker')),
      { what: 'the consumer Deployment', timeoutMs: 30_000 },
    );
    expect(deployment.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'PROVIDER_TOKEN', valueFrom: { secretKeyRef: { name: 'payment-provider', key: 'token' } } },
    ]);

    const err = await applyPipeline(kube, ns, 'secret-env-both', {
      rabbitmq: { vhost, queues: [{ name: 'secret-env-q2' }] },
      consumers: [{ ...consumer, source: { queue: 'secret-env-q2' }, env: [{ name: 'PROVIDER_TOKEN', value: 'in-clear', valueFrom: { secretKeyRef: { name: 'payment-provider', key: 'token' } } }] }],
    }).catch((e: unknown) => e);
    expect(KubeRequestFailed.is(err)).toBe(true);
    expect((err as Error).message).toContain('HTTP 422');
    expect((err as Error).message).toContain('an env entry has either value or valueFrom, not both');
    expect(await getPipeline(kube, ns, 'secret-env-both')).toBeUndefined();
  });
});

describe('the consumer contract on the API server', () => {
  it('the sample\'s payment-worker (secretFiles, prefetch, resources) is accepted, and its Deployment mounts each Secret key read-only and runs restricted', async () => {
    const sample = parse(readFileSync(new URL('../../manifests/samples/checkout.yaml', import.meta.url), 'utf8')) as { spec: { consumers: { name: string; source: Record<string, unknown> }[] } };
    const worker = sample.spec.consumers.find((c) => c.name === 'payment-worker')!;
    await applyPipeline(kube, ns, 'contract', {
      rabbitmq: { vhost, queues: [{ name: 'contract-q', retry: { maxAttempts: 2 }, deadLetter: { enabled: true } }] },
      consumers: [{ ...worker, source: { ...worker.source, queue: 'contract-q' } }],
    });
    type Pod = { securityContext: Record<string, unknown>; volumes: { name: string; secret?: { secretName: string } }[]; containers: { ports: unknown[]; env: { name: string; value?: string }[]; volumeMounts: { mountPath: string; readOnly?: boolean }[]; securityContext: Record<string, unknown> }[] };
    const deployment = await waitFor(async () => kube.get<{ spec: { template: { spec: Pod } } }>(objectPath('apps/v1', 'Deployment', ns, 'contract-payment-worker')), { what: 'the consumer Deployment', timeoutMs: 30_000 });
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0]!;
    expect(c.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8080 })]);
    expect(c.env.filter((e) => e.name.endsWith('_FILE'))).toEqual([
      { name: 'RABBITMQ_URL_FILE', value: '/var/run/secrets/orderflow/rabbitmq-url/value' },
      { name: 'DATABASE_URL_FILE', value: '/var/run/secrets/orderflow/database-url/value' },
      { name: 'ADMIN_TOKEN_FILE', value: '/var/run/secrets/orderflow/admin-token/value' },
    ]);
    expect(pod.volumes.filter((v) => v.secret !== undefined).map((v) => v.secret!.secretName)).toEqual(['payment-worker', 'payment-worker', 'payment-worker']);
    expect(c.volumeMounts.filter((m) => m.mountPath.startsWith('/var/run/secrets/orderflow/')).every((m) => m.readOnly === true)).toBe(true);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const configMap = await kube.get<{ data: Record<string, string> }>(objectPath('v1', 'ConfigMap', ns, 'contract-payment-worker'));
    expect(configMap?.data).toEqual({ PORT: '8080', ORDERFLOW_QUEUE: 'contract-q', ORDERFLOW_DEAD_LETTER_QUEUE: 'contract-q.dlq', MAX_RETRIES: '2', PREFETCH: '200', TOPOLOGY_MODE: 'verify' });
  });
});

describe('deletion policies', () => {
  const policySpec = (policy: string, q: string): unknown => ({
    deletionPolicy: policy,
    rabbitmq: { vhost, queues: [{ name: `${q}-full` }, { name: `${q}-empty` }] },
  });

  async function waitForMessages(queue: string, messages: number): Promise<void> {
    await waitFor(async () => (await rabbit.getQueue(vhost, queue))?.messages === messages, { what: `${queue} to count ${messages} messages`, timeoutMs: 30_000 });
  }

  it.each([
    ['Retain', { full: true, empty: true }],
    ['Delete', { full: false, empty: false }],
  ] as const)('%s', async (policy, kept) => {
    const name = `policy-${policy.toLowerCase()}`;
    await applyPipeline(kube, ns, name, policySpec(policy, name));
    await waitForCondition(kube, ns, name, 'Ready', 'True');
    await publishTo(vhost, `${name}-full`, 'order');
    await deletePipelineAndWait(kube, ns, name);
    expect((await rabbit.getQueue(vhost, `${name}-full`)) !== undefined).toBe(kept.full);
    expect((await rabbit.getQueue(vhost, `${name}-empty`)) !== undefined).toBe(kept.empty);
    const reasons = (await eventsFor(kube, ns, name)).map((e) => e.reason);
    if (policy !== 'Delete') expect(reasons).toContain('CleanupRetained');
    if (policy !== 'Retain') expect(reasons).toContain('CleanupDeleted');
  });

  it('DeleteIfEmpty: a message waiting in retry.1 keeps every queue (the reason visible); once it is gone, cleanup completes', async () => {
    const name = 'delay';
    await applyPipeline(kube, ns, name, {
      deletionPolicy: 'DeleteIfEmpty',
      rabbitmq: {
        vhost,
        exchanges: [{ name: 'delay-in', type: 'direct' }],
        // An hour's delay: the message stays in retry.1 for the whole test.
        queues: [{ name: 'delay-work', bindings: [{ exchange: 'delay-in', routingKey: 'w' }], retry: { maxAttempts: 2, backoff: { initial: '1h', max: '1h' } }, deadLetter: { enabled: true } }],
      },
    });
    await waitForCondition(kube, ns, name, 'Ready', 'True');
    const queues = ['delay-work', 'delay-work.dlq', 'delay-work.retry.1', 'delay-work.retry.2'];
    await publishTo(vhost, 'delay-work.retry.1', 'waiting for its retry');
    await waitForMessages('delay-work.retry.1', 1);

    await kube.request('DELETE', pipelinePath(ns, name));
    const waiting = await waitFor(
      async () => {
        const c = condition(await getPipeline(kube, ns, name), 'CleanupComplete');
        return c?.status === 'False' ? c : undefined;
      },
      { what: 'CleanupComplete=False on the deleted pipeline', timeoutMs: 30_000 },
    );
    expect(waiting.reason).toBe('QueuesNotEmpty');
    expect(waiting.message).toContain('delay-work.retry.1 holds 1 message');
    const warning = (await eventsFor(kube, ns, name)).find((e) => e.reason === 'CleanupWaiting');
    expect(warning?.type).toBe('Warning');
    expect(warning?.message).toContain('delay-work.retry.1 holds 1 message');
    // Several drain checks later nothing is deleted: the work queue the message returns to is there.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await getPipeline(kube, ns, name)).toBeDefined();
    for (const q of queues) expect(await rabbit.getQueue(vhost, q), q).toBeDefined();
    expect(await rabbit.getExchange(vhost, 'delay-in')).toBeDefined();

    await purgeQueue(vhost, 'delay-work.retry.1');
    await waitFor(async () => (await getPipeline(kube, ns, name)) === undefined, { what: 'cleanup to complete once the queues are empty', timeoutMs: 60_000 });
    for (const q of queues) expect(await rabbit.getQueue(vhost, q), q).toBeUndefined();
    expect(await rabbit.getExchange(vhost, 'delay-in')).toBeUndefined();
    expect((await eventsFor(kube, ns, name)).map((e) => e.reason)).toContain('CleanupDeleted');
  });

  it('DeleteIfEmpty keeps the empty queues too while another queue of the pipeline holds messages', async () => {
    const name = 'policy-deleteifempty';
    await applyPipeline(kube, ns, name, policySpec('DeleteIfEmpty', name));
    await waitForCondition(kube, ns, name, 'Ready', 'True');
    await publishTo(vhost, `${name}-full`, 'order');
    await waitForMessages(`${name}-full`, 1);
    await kube.request('DELETE', pipelinePath(ns, name));
    await waitFor(async () => condition(await getPipeline(kube, ns, name), 'CleanupComplete')?.reason === 'QueuesNotEmpty', { what: 'the cleanup to wait', timeoutMs: 30_000 });
    expect(await rabbit.getQueue(vhost, `${name}-full`)).toBeDefined();
    expect(await rabbit.getQueue(vhost, `${name}-empty`)).toBeDefined();
    await purgeQueue(vhost, `${name}-full`);
    await waitFor(async () => (await getPipeline(kube, ns, name)) === undefined, { what: `${name} to be deleted`, timeoutMs: 60_000 });
    expect(await rabbit.getQueue(vhost, `${name}-full`)).toBeUndefined();
    expect(await rabbit.getQueue(vhost, `${name}-empty`)).toBeUndefined();
  });

  it('removes the lag series of a deleted pipeline from /metrics', async () => {
    const name = 'lagged';
    await applyPipeline(kube, ns, name, {
      deletionPolicy: 'Delete',
      rabbitmq: { vhost, queues: [{ name: 'lagged-q' }] },
      consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'lagged-q' }, scaling: { maxReplicas: 2 } }],
    });
    await waitForCondition(kube, ns, name, 'Ready', 'True');
    const series = `pipeline="${name}"`;
    await waitFor(async () => (await operatorMetrics(operator)).split('\n').some((l) => l.startsWith('orderflow_operator_consumer_lag{') && l.includes(series)), { what: 'the lag series to appear' });
    await deletePipelineAndWait(kube, ns, name);
    await waitFor(async () => !(await operatorMetrics(operator)).split('\n').some((l) => l.startsWith('orderflow_operator_consumer_lag{') && l.includes(series)), { what: 'the lag series to be removed', timeoutMs: 30_000 });
  });

  it('never leaves a pipeline stuck when the broker is unreachable: bounded wait, then a warning event', async () => {
    // The pipeline is set up while RabbitMQ answers (its queue created and claimed), then handed
    // to a second operator instance whose management URL points at a closed port.
    await applyPipeline(kube, ns, 'unreachable', { rabbitmq: { vhost, queues: [{ name: 'lost' }] } });
    await waitForCondition(kube, ns, 'unreachable', 'Ready', 'True');
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
      await deletePipelineAndWait(kube, ns, 'unreachable');
      const abandoned = (await eventsFor(kube, ns, 'unreachable')).find((e) => e.reason === 'CleanupAbandoned');
      expect(abandoned?.type).toBe('Warning');
      expect(abandoned?.reportingInstance).toBe(broken.identity);
      expect(abandoned?.message).toContain('broker objects may remain');
    } finally {
      await broken.stop();
    }
  });

  const legacySpec = {
    rabbitmq: { vhost, queues: [{ name: 'legacy-payments' }] },
    consumers: [{ name: 'payment-worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'legacy-payments' }, scaling: { maxReplicas: 2 } }],
  };

  it('replaces its own consumer Service whose fields cannot change in place (left by an older operator)', async () => {
    // The pipeline exists first, labelled for an operator instance that does not run, so the
    // older operator's Service can carry its owner reference.
    const paused = await applyPipeline(kube, ns, 'legacy', legacySpec, `${ns}-paused`);
    // A ClusterIP Service under the name the operator's headless one will take: clusterIP is
    // immutable, so a plain apply is refused with 422 on every reconcile.
    await kube.apply(
      objectPath('v1', 'Service', ns, 'legacy-payment-worker'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'legacy-payment-worker', namespace: ns, ownerReferences: [{ apiVersion: 'orderflow.dev/v1alpha1', kind: 'OrderPipeline', name: 'legacy', uid: paused.metadata.uid, controller: true }] },
        spec: { ports: [{ name: 'http', port: 8080 }], selector: { app: 'legacy' } },
      },
      'orderflow-operator-tests',
    );
    await applyPipeline(kube, ns, 'legacy', legacySpec);
    const p = await waitForCondition(kube, ns, 'legacy', 'ConsumersReady', 'True');
    expect(condition(p, 'Ready')?.status).toBe('True');
    const service = await kube.get<{ spec: { clusterIP: string }; metadata: { ownerReferences?: { name: string }[] } }>(objectPath('v1', 'Service', ns, 'legacy-payment-worker'));
    expect(service?.spec.clusterIP).toBe('None');
    expect(service?.metadata.ownerReferences?.[0]?.name).toBe('legacy');
  });

  it('never deletes or takes over a Service a person created under a consumer\'s name: reported, left alone', async () => {
    await kube.apply(
      objectPath('v1', 'Service', ns, 'people-payment-worker'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'people-payment-worker', namespace: ns }, spec: { ports: [{ name: 'web', port: 9000 }], selector: { app: 'someone-elses' } } },
      'a-person',
    );
    const before = await kube.get<{ metadata: { uid: string }; spec: { clusterIP: string } }>(objectPath('v1', 'Service', ns, 'people-payment-worker'));
    await applyPipeline(kube, ns, 'people', { rabbitmq: { vhost, queues: [{ name: 'people-payments' }] }, consumers: [{ ...legacySpec.consumers[0], source: { queue: 'people-payments' } }] });
    const p = await waitForCondition(kube, ns, 'people', 'ConsumersReady', 'False', 'NameOwnedByOther');
    expect(condition(p, 'ConsumersReady')?.message).toContain(`Service ${ns}/people-payment-worker exists and is not created by the operator (managed by a-person)`);
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'NameOwnedByOther' });
    // Several reconciles later (resync 3 s) the person's Service is untouched.
    await new Promise((r) => setTimeout(r, 7_000));
    const after = await kube.get<{ metadata: { uid: string; ownerReferences?: unknown[] }; spec: { clusterIP: string; selector: Record<string, string> } }>(objectPath('v1', 'Service', ns, 'people-payment-worker'));
    expect(after?.metadata.uid).toBe(before?.metadata.uid);
    expect(after?.spec.clusterIP).toBe(before?.spec.clusterIP);
    expect(after?.spec.selector).toEqual({ app: 'someone-elses' });
    expect(after?.metadata.ownerReferences).toBeUndefined();
    expect((await eventsFor(kube, ns, 'people')).find((e) => e.reason === 'NameOwnedByOther')?.type).toBe('Warning');
  });
});
