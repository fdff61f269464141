import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Admin } from '@platformatic/kafka';
import { uniqueName, waitFor } from '@orderflow/testkit';
import { KubeRequestFailed } from '../src/errors.ts';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { objectPath } from '../src/kube/paths.ts';
import { kafkaAdmin } from './brokers.ts';
import { applyPipeline, createNamespace, deleteNamespace, ensureCrd, getPipeline, kubeClient, startOperator, type OperatorProcess } from './harness.ts';

// The sample's stream-aggregator consumer on the real API server: its env, with POD_NAME from
// the Pod's own name (valueFrom.fieldRef), is accepted by the CRD and reaches the Deployment
// the operator applies; its reset policy reaches the ConfigMap. A topic of its own per run.
const kube: KubeClient = kubeClient();
const topic = uniqueName('op-aggregator-events');
let ns = '';
let operator: OperatorProcess;
let admin: Admin;

interface SampleConsumer {
  name: string;
  source: Record<string, unknown>;
  env: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
}
const sampleAggregator = (): SampleConsumer =>
  (parse(readFileSync(new URL('../../manifests/samples/checkout.yaml', import.meta.url), 'utf8')) as { spec: { consumers: SampleConsumer[] } }).spec.consumers.find((c) => c.name === 'stream-aggregator')!;

const specWith = (consumer: SampleConsumer): unknown => ({
  kafka: { topics: [{ name: topic, partitions: 2, replicationFactor: 1 }] },
  consumers: [{ ...consumer, source: { ...consumer.source, topic } }],
});

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-aggregator');
  admin = kafkaAdmin();
  operator = await startOperator(ns);
});

afterAll(async () => {
  await operator?.stop();
  await deleteNamespace(kube, ns);
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.close();
  kube.close();
});

describe("the sample's stream-aggregator on the API server", () => {
  it('is accepted; its Deployment takes POD_NAME from the Pod (fieldRef) and the rest as values; its ConfigMap has the contract variables', async () => {
    const aggregator = sampleAggregator();
    await applyPipeline(kube, ns, 'agg', specWith(aggregator));
    type Container = { env: { name: string; value?: string; valueFrom?: unknown }[]; ports: unknown[] };
    const deployment = await waitFor(async () => kube.get<{ spec: { template: { spec: { containers: Container[] } } } }>(objectPath('apps/v1', 'Deployment', ns, 'agg-stream-aggregator')), {
      what: 'the aggregator Deployment',
      timeoutMs: 60_000,
    });
    const env = deployment.spec.template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } });
    expect(env).toContainEqual({ name: 'KAFKA_BROKERS', value: 'kafka:9092' });
    expect(env.map((e) => e.name)).toEqual(aggregator.env.map((e) => e.name));
    const configMap = await kube.get<{ data: Record<string, string> }>(objectPath('v1', 'ConfigMap', ns, 'agg-stream-aggregator'));
    expect(configMap?.data).toEqual({ PORT: '8080', ORDERFLOW_KAFKA_TOPIC: topic, ORDERFLOW_KAFKA_GROUP: 'checkout-sample-aggregator', ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest' });
  });

  it.each([
    ['a Pod field the Downward API does not give to env', { fieldRef: { fieldPath: 'spec.containers' } }, 'fieldPath'],
    ['a fieldRef next to a secretKeyRef', { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } }, 'valueFrom needs exactly one of secretKeyRef, configMapKeyRef or fieldRef'],
  ])('refuses %s, naming the problem', async (_what, valueFrom, message) => {
    const aggregator = sampleAggregator();
    const bad = { ...aggregator, env: [...aggregator.env.filter((e) => e.name !== 'POD_NAME'), { name: 'POD_NAME', valueFrom }] };
    const name = uniqueName('agg-bad');
    const err = await applyPipeline(kube, ns, name, specWith(bad)).catch((e: unknown) => e);
    expect(KubeRequestFailed.is(err)).toBe(true);
    expect((err as Error).message).toContain('HTTP 422');
    expect((err as Error).message).toContain(message);
    expect(await getPipeline(kube, ns, name)).toBeUndefined();
  });
});
