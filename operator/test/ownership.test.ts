import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '@platformatic/kafka';
import { uniqueName, waitFor } from '@orderflow/testkit';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { topicOffsets } from '../src/kafka/topic-offsets.ts';
import { deleteVhost, kafkaAdmin, managementClient, produce, publishTo } from './brokers.ts';
import { claimObjectName } from '../src/ownership/broker-names.ts';
import { applyPipeline, condition, createNamespace, deleteNamespace, deletePipelineAndWait, ensureCrd, eventsFor, getPipeline, kubeClient, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// Two pipelines in two namespaces declare the same queue, exchange and topic. One operator
// watches both namespaces (its claims live in the first); the first pipeline to claim a name
// owns it, the second is told so and never touches it, not even when it is deleted.
const kube: KubeClient = kubeClient();
const rabbit = managementClient();
const vhost = uniqueName('op-owner');
const topic = uniqueName('op-owner-events');
let nsA = '';
let nsB = '';
let operator: OperatorProcess;
let admin: Admin;

const spec = (deletionPolicy: string): unknown => ({
  deletionPolicy,
  rabbitmq: {
    vhost,
    exchanges: [{ name: 'orders', type: 'direct' }],
    queues: [{ name: 'payments', bindings: [{ exchange: 'orders', routingKey: 'pay' }], retry: { maxAttempts: 1 }, deadLetter: { enabled: true } }],
  },
  kafka: { topics: [{ name: topic, partitions: 1, replicationFactor: 1 }] },
  consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'payments' }, scaling: { maxReplicas: 2 } }],
});

beforeAll(async () => {
  await ensureCrd(kube);
  nsA = await createNamespace(kube, 'op-owner-a');
  nsB = await createNamespace(kube, 'op-owner-b');
  admin = kafkaAdmin();
  // WATCH_NAMESPACE unset: every namespace, but only pipelines labelled for this instance (nsA).
  operator = await startOperator(nsA, { WATCH_NAMESPACE: '' });
});

afterAll(async () => {
  await operator?.stop();
  await deleteNamespace(kube, nsB);
  await deleteNamespace(kube, nsA);
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.close();
  await deleteVhost(vhost);
  kube.close();
});

describe('names owned by one pipeline', () => {
  it('a second pipeline (another namespace) claiming the same queue and topic is Ready=False, naming the owner; the first keeps working', async () => {
    await applyPipeline(kube, nsA, 'first', spec('Delete'), nsA);
    await waitForCondition(kube, nsA, 'first', 'Ready', 'True');
    await applyPipeline(kube, nsB, 'second', spec('Delete'), nsA);
    const second = await waitForCondition(kube, nsB, 'second', 'Ready', 'False', 'NameOwnedByOther');
    const message = condition(second, 'TopologyReady')?.message ?? '';
    expect(message).toContain(`queue payments (vhost ${vhost}) is owned by OrderPipeline ${nsA}/first`);
    expect(message).toContain(`topic ${topic} is owned by OrderPipeline ${nsA}/first`);
    expect(message).toContain(`exchange orders (vhost ${vhost}) is owned by OrderPipeline ${nsA}/first`);
    // The second pipeline's consumer would read the first one's queue: it is not deployed.
    expect(await kube.get(`/apis/apps/v1/namespaces/${nsB}/deployments/second-worker`)).toBeUndefined();
    expect(condition(await getPipeline(kube, nsA, 'first'), 'Ready')?.status).toBe('True');
  });

  it('deleting the second (policy Delete) leaves the first pipeline\'s queue, messages, exchange and topic intact', async () => {
    await publishTo(vhost, 'payments', 'order-1');
    await produce(topic, [{ key: 'order-1', value: 'created' }]);
    await waitFor(async () => (await rabbit.getQueue(vhost, 'payments'))?.messages === 1, { what: 'payments to count its message', timeoutMs: 30_000 });

    await deletePipelineAndWait(kube, nsB, 'second');

    for (const q of ['payments', 'payments.retry.1', 'payments.dlq']) expect(await rabbit.getQueue(vhost, q), q).toBeDefined();
    expect(await rabbit.getExchange(vhost, 'orders')).toBeDefined();
    expect(await rabbit.getBindings(vhost, 'orders', 'payments')).toHaveLength(1);
    // The message is still there (read through the management API's count, refreshed every few seconds).
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await rabbit.getQueue(vhost, 'payments'))?.messages).toBe(1);
    expect(await admin.listTopics()).toContain(topic);
    const offsets = await topicOffsets(admin, topic);
    expect(offsets.map((o) => Number(o.high) - Number(o.low))).toEqual([1]);
    const first = await waitForCondition(kube, nsA, 'first', 'Ready', 'True');
    expect(condition(first, 'TopologyReady')?.reason).toBe('TopologyApplied');
  });

  it('a name is free again once its owner is deleted', async () => {
    await deletePipelineAndWait(kube, nsA, 'first');
    // Deleted with policy Delete by its owner: queue and topic are gone.
    expect(await rabbit.getQueue(vhost, 'payments')).toBeUndefined();
    await applyPipeline(kube, nsB, 'second', spec('Delete'), nsA);
    await waitForCondition(kube, nsB, 'second', 'Ready', 'True');
  });

  it('a queue that existed before the pipeline claimed it (made by a person) is used but never deleted, even with policy Delete', async () => {
    await rabbit.ensureVhost(vhost);
    await rabbit.putQueue(vhost, 'hand-made', true, {});
    await publishTo(vhost, 'hand-made', 'a person\'s message');
    await applyPipeline(kube, nsA, 'adopter', { deletionPolicy: 'Delete', rabbitmq: { vhost, queues: [{ name: 'hand-made' }, { name: 'adopter-own' }] } }, nsA);
    await waitForCondition(kube, nsA, 'adopter', 'Ready', 'True');
    await deletePipelineAndWait(kube, nsA, 'adopter');
    expect(await rabbit.getQueue(vhost, 'hand-made')).toBeDefined();
    expect(await rabbit.getQueue(vhost, 'adopter-own')).toBeUndefined();
    const retained = (await eventsFor(kube, nsA, 'adopter')).find((e) => e.reason === 'CleanupRetained');
    expect(retained?.message).toContain(`queue hand-made (vhost ${vhost}) (existed before this pipeline)`);
  });

  it('the claim of a pipeline that no longer exists (finalizer removed by hand) is taken over', async () => {
    const name = { kind: 'queue' as const, vhost, name: 'orphaned' };
    await kube.request('POST', `/api/v1/namespaces/${nsA}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: claimObjectName(name), namespace: nsA, labels: { 'orderflow.dev/claim-owner-uid': 'gone-uid' } },
        data: { kind: 'queue', vhost, name: 'orphaned', ownerNamespace: nsB, ownerName: 'long-gone', ownerUid: 'gone-uid', origin: 'created' },
      },
    });
    const p = await applyPipeline(kube, nsA, 'heir', { rabbitmq: { vhost, queues: [{ name: 'orphaned' }] } }, nsA);
    await waitForCondition(kube, nsA, 'heir', 'Ready', 'True');
    const claim = await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${nsA}/configmaps/${claimObjectName(name)}`);
    expect(claim?.data).toMatchObject({ ownerNamespace: nsA, ownerName: 'heir', ownerUid: p.metadata.uid });
  });
});
