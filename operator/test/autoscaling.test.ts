import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '@platformatic/kafka';
import { connect } from 'amqplib';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { objectPath } from '../src/kube/paths.ts';
import { topicOffsets } from '../src/kafka/topic-offsets.ts';
import { commitOffsets, deleteVhost, kafkaAdmin, produce } from './brokers.ts';
import { applyPipeline, condition, createNamespace, deleteNamespace, ensureCrd, freePort, getPipeline, kubeClient, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// Lag-driven autoscaling end to end on the local control plane: the operator serves
// external.metrics.k8s.io through the aggregation layer (an APIService whose Service is an
// ExternalName pointing back to this machine), and kube-controller-manager's HPA controller
// scales the consumer Deployments from it.
const kube: KubeClient = kubeClient();
const vhost = uniqueName('op-scaling');
const topic = uniqueName('op-scaling-events');
const group = `${topic}-group`;
const apiServiceName = 'v1beta1.external.metrics.k8s.io';
const apiServicePath = `/apis/apiregistration.k8s.io/v1/apiservices/${apiServiceName}`;
let ns = '';
let operator: OperatorProcess;
let metricsPort = 0;
let servingCert = '';
let admin: Admin;

function tlsFiles(namespace: string): { cert: string; key: string; clientCa: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'op-external-metrics-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', '/CN=orderflow-external-metrics',
    '-addext', `subjectAltName=DNS:orderflow-external-metrics.${namespace}.svc,DNS:localhost`,
  ], { stdio: 'ignore' });
  return { cert, key, clientCa: join(dir, 'client-ca.crt'), dir };
}

async function deploymentReplicas(name: string): Promise<number | undefined> {
  return (await kube.get<{ spec: { replicas: number } }>(objectPath('apps/v1', 'Deployment', ns, name)))?.spec.replicas;
}

async function waitReplicas(name: string, want: number): Promise<void> {
  await waitFor(async () => (await deploymentReplicas(name)) === want, { what: `Deployment ${name} at ${want} replicas`, timeoutMs: 120_000, intervalMs: 500 });
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-scaling');
  admin = kafkaAdmin();
  const tls = tlsFiles(ns);
  // The CA the API server's proxy client certificate chains to (requestheader-client-ca-file).
  const auth = await kube.get<{ data: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication');
  const clientCa = auth?.data['requestheader-client-ca-file'];
  if (clientCa === undefined) throw new Error('the API server has no requestheader client CA: the aggregation layer is not configured');
  writeFileSync(tls.clientCa, clientCa);
  const port = await freePort();
  metricsPort = port;
  servingCert = tls.cert;
  operator = await startOperator(ns, {
    EXTERNAL_METRICS_PORT: String(port),
    EXTERNAL_METRICS_TLS_CERT_FILE: tls.cert,
    EXTERNAL_METRICS_TLS_KEY_FILE: tls.key,
    EXTERNAL_METRICS_CLIENT_CA_FILE: tls.clientCa,
  });
  await kube.apply(
    objectPath('v1', 'Service', ns, 'orderflow-external-metrics'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orderflow-external-metrics', namespace: ns }, spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port }] } },
    'orderflow-operator-tests',
  );
  await kube.apply(
    apiServicePath,
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: apiServiceName },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { namespace: ns, name: 'orderflow-external-metrics', port },
        caBundle: readFileSync(tls.cert).toString('base64'),
      },
    },
    'orderflow-operator-tests',
  );
  await waitFor(
    async () => (await kube.get<{ status?: { conditions?: { type: string; status: string }[] } }>(apiServicePath))?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'),
    { what: 'the external metrics APIService to become Available', timeoutMs: 60_000, intervalMs: 500 },
  );
}, 120_000);

afterAll(async () => {
  const svc = await kube.get<{ spec: { service?: { namespace: string } } }>(apiServicePath);
  if (svc?.spec.service?.namespace === ns) await kube.request('DELETE', apiServicePath, { allowNotFound: true });
  await operator?.stop();
  await deleteNamespace(kube, ns);
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.close();
  await deleteVhost(vhost);
  kube.close();
});

describe('lag-driven autoscaling through the HPA', () => {
  it('serves the lag as an external metric the API server proxies', async () => {
    await applyPipeline(kube, ns, 'scaled', {
      rabbitmq: { vhost, queues: [{ name: 'backlog' }] },
      kafka: { topics: [{ name: topic, partitions: 3, replicationFactor: 1 }] },
      consumers: [
        { name: 'rabbit-worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'backlog' }, scaling: { minReplicas: 1, maxReplicas: 6, targetLagPerReplica: 100, scaleDownStabilizationSeconds: 0 } },
        { name: 'kafka-worker', image: 'ghcr.io/orderflow/stream-aggregator:test', source: { topic, group }, scaling: { minReplicas: 1, maxReplicas: 10, targetLagPerReplica: 100, scaleDownStabilizationSeconds: 0 } },
      ],
    });
    await waitForCondition(kube, ns, 'scaled', 'Ready', 'True');
    const value = await kube.get<{ items: { value: string }[] }>(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/orderflow_consumer_lag`, {
      labelSelector: 'orderflow.dev/pipeline=scaled,orderflow.dev/consumer=rabbit-worker',
    });
    expect(value?.items[0]?.value).toBe('0');
    // Only the API server's proxy (a client certificate from the requestheader CA) is served.
    const direct = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: metricsPort, servername: 'localhost', path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/orderflow_consumer_lag?labelSelector=orderflow.dev/pipeline%3Dscaled,orderflow.dev/consumer%3Drabbit-worker`, ca: readFileSync(servingCert) }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(direct.status).toBe(401);
    expect(JSON.parse(direct.body)).toMatchObject({ kind: 'Status', reason: 'OPERATOR_ERR_METRIC_UNAUTHORIZED' });
    // The HPA controller read the metric: ScalingActive comes from the HPA's own condition.
    const p = await waitForCondition(kube, ns, 'scaled', 'ScalingActive', 'True', undefined, 90_000);
    expect(condition(p, 'ScalingActive')?.reason).toBe('AutoscalerActive');
  });

  it('raising the RabbitMQ backlog raises the replicas; draining it lowers them', async () => {
    const conn = await connect(`${stackSetting('RABBITMQ_URL')}/${encodeURIComponent(vhost)}`);
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < 450; i++) ch.sendToQueue('backlog', Buffer.from(`order-${i}`), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    // ceil(450 / 100) = 5 replicas.
    await waitReplicas('scaled-rabbit-worker', 5);
    const auth = Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64');
    await fetch(`${stackSetting('RABBITMQ_MANAGEMENT_URL')}/api/queues/${encodeURIComponent(vhost)}/backlog/contents`, { method: 'DELETE', headers: { authorization: `Basic ${auth}` } });
    await waitReplicas('scaled-rabbit-worker', 1);
  }, 300_000);

  it('Kafka lag raises replicas only up to the partition count, and draining lowers them', async () => {
    // A group that has consumed everything so far (offsets committed at the end): with the
    // default offsetResetPolicy latest, a group without commits would have no lag to scale on.
    const start = await topicOffsets(admin, topic);
    await commitOffsets(admin, group, topic, start.map((e) => ({ partition: e.partition, offset: e.high })));
    await produce(topic, Array.from({ length: 1000 }, (_, i) => ({ key: `order-${i}`, value: 'x' })));
    // Lag 1000 / 100 asks for 10 replicas; the topic has 3 partitions, so the HPA stops at 3.
    await waitReplicas('scaled-kafka-worker', 3);
    const p = await getPipeline(kube, ns, 'scaled');
    expect(p?.status?.consumers?.find((c) => c.name === 'kafka-worker')?.maxReplicas).toBe(3);
    const ends = await topicOffsets(admin, topic);
    await commitOffsets(admin, group, topic, ends.map((e) => ({ partition: e.partition, offset: e.high })));
    await waitReplicas('scaled-kafka-worker', 1);
  }, 300_000);
});
