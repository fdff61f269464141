import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import Fastify from 'fastify';
import { LIVENESS_PATH, READINESS_PATH, SECRET_FILES_DIR } from '@orderflow/consumer-contract';
import { healthRoutes } from '@orderflow/http';
import { loadWorkerConfig } from '@orderflow/payment-worker/config';
import { paymentQueues } from '@orderflow/payment-worker/topology';
import { readConfig as readIndexerConfig } from '@orderflow/order-indexer/config';
import { readConfig as readAggregatorConfig } from '@orderflow/stream-aggregator/config';
import { pipeline } from '../../test/fixtures.ts';
import { desired, type KubeObject } from '../desired.ts';

// The operator's output and its consumers' config schemas, held to one contract: the sample
// pipeline is rendered with desired(), each consumer's environment is built from its
// Deployment as the kubelet would (ConfigMap envFrom, env values, Secret references, Pod
// fields, Secret files mounted where the volumes say), and the app's own config loader
// (payment-worker's loadWorkerConfig, the stream aggregator's and the indexer's readConfig) must
// accept it.

interface Container {
  envFrom: { configMapRef: { name: string } }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string; items: { key: string; path: string }[] }; emptyDir?: object }[];
  securityContext: Record<string, unknown>;
}

const SECRETS: Record<string, Record<string, string>> = {
  'payment-worker': {
    'rabbitmq-url': 'amqp://worker:s3cret@rabbitmq:5672/checkout-sample',
    'database-url': 'postgres://worker:s3cret@postgres:5432/orders',
    'admin-token': 'a-token-of-at-least-16-chars',
  },
  'order-indexer': {
    'opensearch-url': 'https://opensearch.search.svc:9200',
    'opensearch-username': 'search-writer',
    'opensearch-password': 'an-opensearch-s3cret',
  },
};

const samplePath = new URL('../../../manifests/samples/checkout.yaml', import.meta.url);
const sample = (): { metadata: { name: string; namespace: string }; spec: Record<string, unknown> } => parse(readFileSync(samplePath, 'utf8')) as never;

/** The Pod as the API server would create it from a Deployment (what a `fieldRef` reads). */
const POD_FIELDS = (deployment: string): Record<string, string> => ({ 'metadata.name': `${deployment}-7d9f8c6b5-x2k4q`, 'metadata.namespace': 'default' });

function workload(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the operator's output`);
  return found;
}

/** The container's environment as the kubelet builds it, with Secret files written under `root`. */
function kubeletEnv(objects: KubeObject[], pod: PodSpec, root: string, fields: Record<string, string>): Record<string, string> {
  const c = pod.containers[0]!;
  const out: Record<string, string> = {};
  for (const from of c.envFrom ?? []) Object.assign(out, (workload(objects, 'ConfigMap', from.configMapRef.name) as unknown as { data: Record<string, string> }).data);
  for (const mount of c.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
    if (volume === undefined) throw new Error(`volumeMount ${mount.name} has no volume`);
    if (volume.secret === undefined) continue;
    const dir = join(root, mount.mountPath);
    mkdirSync(dir, { recursive: true });
    for (const item of volume.secret.items) {
      const value = SECRETS[volume.secret.secretName]?.[item.key];
      if (value === undefined) throw new Error(`Secret ${volume.secret.secretName} has no key ${item.key}`);
      writeFileSync(join(dir, item.path), value);
    }
  }
  for (const e of c.env ?? []) {
    const field = e.valueFrom?.fieldRef;
    if (field !== undefined) {
      const value = fields[field.fieldPath];
      if (value === undefined) throw new Error(`${e.name}: the Pod has no field ${field.fieldPath} here`);
      out[e.name] = value;
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref === undefined ? (e.value ?? '') : SECRETS[ref.name]?.[ref.key];
    if (value === undefined) throw new Error(`${e.name}: Secret ${ref?.name} has no key ${ref?.key}`);
    // A path under the Secret files directory is read from where the mount put the file.
    out[e.name] = value.startsWith(`${SECRET_FILES_DIR}/`) ? join(root, value) : value;
  }
  return out;
}

function render(spec: Record<string, unknown>, consumer = 'payment-worker'): { objects: KubeObject[]; pod: PodSpec; env: Record<string, string> } {
  const p = pipeline(spec, 'checkout', 'default');
  const objects = desired(p).workloads;
  const name = `checkout-${consumer}`;
  const deployment = workload(objects, 'Deployment', name) as unknown as { spec: { template: { spec: PodSpec } } };
  const pod = deployment.spec.template.spec;
  return { objects, pod, env: kubeletEnv(objects, pod, mkdtempSync(join(tmpdir(), 'consumer-contract-')), POD_FIELDS(name)) };
}

describe('the operator ↔ payment-worker contract', () => {
  it('the Deployment generated for the sample pipeline is a configuration payment-worker loads, with its port and probes', async () => {
    const { pod, env, objects } = render(sample().spec);
    const config = loadWorkerConfig(env);
    const container = pod.containers[0]!;
    expect(container.ports).toEqual([{ name: 'http', containerPort: config.PORT }]);
    expect(config).toMatchObject({
      TOPOLOGY_MODE: 'verify',
      ORDERFLOW_QUEUE: 'payments',
      ORDERFLOW_DEAD_LETTER_QUEUE: 'payments.dlq',
      MAX_RETRIES: 3,
      PREFETCH: 200,
      RABBITMQ_URL: SECRETS['payment-worker']!['rabbitmq-url'],
      DATABASE_URL: SECRETS['payment-worker']!['database-url'],
      ADMIN_TOKEN: SECRETS['payment-worker']!['admin-token'],
      PROVIDER_URL: 'http://payment-provider:8082',
    });
    // Credentials reach the Pod by reference only: nothing secret in the ConfigMap or the env values.
    const inClear = JSON.stringify(objects);
    for (const value of Object.values(SECRETS['payment-worker']!)) expect(inClear).not.toContain(value);
    // The probes name the port and the paths the apps' shared health routes serve.
    expect(container.startupProbe.httpGet).toEqual({ path: LIVENESS_PATH, port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: LIVENESS_PATH, port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: READINESS_PATH, port: 'http' });
    const app = Fastify();
    await app.register(healthRoutes, { checks: [] });
    expect((await app.inject({ url: LIVENESS_PATH })).statusCode).toBe(200);
    expect((await app.inject({ url: READINESS_PATH })).statusCode).toBe(200);
    await app.close();
  });

  it('every queue the worker checks in verify mode is one the pipeline declares', () => {
    const { env } = render(sample().spec);
    const config = loadWorkerConfig(env);
    const declared = desired(pipeline(sample().spec, 'checkout', 'default')).rabbitmq!.queues.map((q) => q.name);
    expect(declared).toEqual(expect.arrayContaining(paymentQueues(config.MAX_RETRIES)));
  });

  it('runs restricted: non-root, no privilege escalation, no capabilities, read-only root, with requests and limits', () => {
    const { pod } = render(sample().spec);
    const c = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '160Mi' }, limits: { memory: '320Mi' } });
    for (const m of c.volumeMounts.filter((x) => x.mountPath.startsWith(SECRET_FILES_DIR))) expect(m.readOnly).toBe(true);
  });

  it('fails, naming the variable, when the pipeline and the worker disagree', () => {
    const spec = sample().spec as { rabbitmq: { queues: { name: string; deadLetter?: { enabled: boolean } }[] } };
    const noDeadLetter = structuredClone(spec);
    noDeadLetter.rabbitmq.queues[0]!.deadLetter = { enabled: false };
    delete (noDeadLetter.rabbitmq.queues[0] as { retry?: unknown }).retry;
    expect(() => loadWorkerConfig(render(noDeadLetter).env)).toThrow(/ORDERFLOW_DEAD_LETTER_QUEUE: required with TOPOLOGY_MODE=verify/);
  });
});

describe('the operator ↔ stream-aggregator contract', () => {
  const topicsOf = (spec: Record<string, unknown>): string[] => (spec as { kafka: { topics: { name: string }[] } }).kafka.topics.map((t) => t.name);

  it("the sample's aggregator Deployment is a configuration the aggregator loads: its port, source, reset policy, topics and instance id", () => {
    const { pod, env } = render(sample().spec, 'stream-aggregator');
    const config = readAggregatorConfig(env);
    expect(pod.containers[0]!.ports).toEqual([{ name: 'http', containerPort: config.PORT }]);
    expect(config).toMatchObject({
      ORDERFLOW_KAFKA_TOPIC: 'checkout-sample.order-events',
      ORDERFLOW_KAFKA_GROUP: 'checkout-sample-aggregator',
      // It counts every order event, also those before its group committed (docs/kafka.md).
      ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
      KAFKA_BROKERS: 'kafka:9092',
      STATS_TOPIC: 'checkout-sample.order-stats',
      ALERTS_TOPIC: 'checkout-sample.order-alerts',
      DEAD_LETTER_TOPIC: 'checkout-sample.order-events.dlt',
      CHANGELOG_TOPIC: 'checkout-sample.stream-aggregator.windows-changelog',
      KAFKA_TRANSACTIONAL_ID_PREFIX: 'checkout-sample-aggregator',
      // The Pod's own name (fieldRef), not the image's hostname default: one instance id per Pod.
      POD_NAME: POD_FIELDS('checkout-stream-aggregator')['metadata.name'],
    });
  });

  it('every topic the aggregator reads or writes is one the pipeline declares (none left to broker auto-create)', () => {
    const config = readAggregatorConfig(render(sample().spec, 'stream-aggregator').env);
    expect(topicsOf(sample().spec)).toEqual(
      expect.arrayContaining([config.ORDERFLOW_KAFKA_TOPIC, config.STATS_TOPIC, config.ALERTS_TOPIC, config.DEAD_LETTER_TOPIC, config.CHANGELOG_TOPIC]),
    );
  });

  it("the pipeline's offset reset policy reaches the aggregator, latest when the source names none", () => {
    const spec = sample().spec as { consumers: { name: string; source: Record<string, unknown> }[] };
    const unset = structuredClone(spec);
    delete unset.consumers.find((c) => c.name === 'stream-aggregator')!.source.offsetResetPolicy;
    expect(readAggregatorConfig(render(unset, 'stream-aggregator').env).ORDERFLOW_KAFKA_OFFSET_RESET).toBe('latest');
  });
});

describe('the operator ↔ order-indexer contract', () => {
  const topicsOf = (spec: Record<string, unknown>): string[] => (spec as { kafka: { topics: { name: string }[] } }).kafka.topics.map((t) => t.name);

  it("the sample's indexer Deployment is a configuration the indexer loads: its port, source, reset policy, topics, OpenSearch and instance id", () => {
    const { pod, env, objects } = render(sample().spec, 'order-indexer');
    const config = readIndexerConfig(env);
    expect(pod.containers[0]!.ports).toEqual([{ name: 'http', containerPort: config.PORT }]);
    expect(config).toMatchObject({
      ORDERFLOW_KAFKA_TOPIC: 'checkout-sample.order-events',
      ORDERFLOW_KAFKA_GROUP: 'checkout-sample-indexer',
      ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
      KAFKA_BROKERS: 'kafka:9092',
      ALERTS_TOPIC: 'checkout-sample.order-alerts',
      DEAD_LETTER_TOPIC: 'checkout-sample.order-indexer.dlt',
      INDEX_PREFIX: 'checkout-sample',
      OPENSEARCH_URL: SECRETS['order-indexer']!['opensearch-url'],
      OPENSEARCH_USERNAME: SECRETS['order-indexer']!['opensearch-username'],
      OPENSEARCH_PASSWORD: SECRETS['order-indexer']!['opensearch-password'],
      POD_NAME: POD_FIELDS('checkout-order-indexer')['metadata.name'],
    });
    // OpenSearch's URL and credentials reach the Pod as mounted files only.
    const inClear = JSON.stringify(objects);
    for (const value of Object.values(SECRETS['order-indexer']!)) expect(inClear).not.toContain(value);
  });

  it('every topic the indexer reads or dead-letters to is one the pipeline declares (it refuses to start otherwise)', () => {
    const config = readIndexerConfig(render(sample().spec, 'order-indexer').env);
    expect(topicsOf(sample().spec)).toEqual(expect.arrayContaining([config.ORDERFLOW_KAFKA_TOPIC, config.ALERTS_TOPIC, config.DEAD_LETTER_TOPIC]));
  });

  it('fails, naming the variable, without its OpenSearch URL', () => {
    const spec = sample().spec as { consumers: { name: string; secretFiles?: { name: string }[] }[] };
    const noUrl = structuredClone(spec);
    const indexer = noUrl.consumers.find((c) => c.name === 'order-indexer')!;
    indexer.secretFiles = indexer.secretFiles!.filter((f) => f.name !== 'OPENSEARCH_URL');
    expect(() => readIndexerConfig(render(noUrl, 'order-indexer').env)).toThrow(/OPENSEARCH_URL/);
  });
});
