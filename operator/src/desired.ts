import { createHash } from 'node:crypto';
import {
  CONSUMER_PORT,
  DEFAULT_PREFETCH,
  LIVENESS_PATH,
  READINESS_PATH,
  SECRET_FILE_NAME,
  deadLetterQueueName,
  fileVariable,
  kafkaConsumerEnv,
  queueConsumerEnv,
  retryQueueName,
  secretFileDir,
  secretFilePath,
} from '@orderflow/consumer-contract';
import { API_VERSION, KIND, type ConsumerSpec, type EnvVar, type OrderPipeline, type QueueSpec } from './api/order-pipeline.ts';
import { ANNOTATIONS, EXTERNAL_METRIC_NAME, LABELS } from './names.ts';
import { parseDuration } from './duration.ts';

/** A RabbitMQ exchange as the operator declares it. */
export interface ExchangeDecl { name: string; type: string; durable: boolean }
/** A RabbitMQ queue as the operator declares it; `role` says why it exists. */
export interface QueueDecl {
  name: string;
  durable: boolean;
  arguments: Record<string, string | number>;
  role: 'main' | 'retry' | 'dead-letter';
}
/** A binding of a queue to an exchange. */
export interface BindingDecl { exchange: string; queue: string; routingKey: string; arguments: Record<string, string> }
/** A Kafka topic as the operator wants it. */
export interface TopicDecl { name: string; partitions: number; replicationFactor: number | undefined; config: Record<string, string> }
/** A Kubernetes object the operator server-side applies. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; ownerReferences?: unknown[]; [k: string]: unknown };
  [k: string]: unknown;
}

/** What should exist for one pipeline: the output of {@link desired}, input of the appliers. */
export interface DesiredState {
  rabbitmq: { vhost: string; exchanges: ExchangeDecl[]; queues: QueueDecl[]; bindings: BindingDecl[] } | undefined;
  kafka: { topics: TopicDecl[] };
  workloads: KubeObject[];
  autoscalers: KubeObject[];
}

/** Name of a consumer's Deployment, ConfigMap, Service and HPA. */
export function consumerObjectName(pipeline: string, consumer: string): string {
  return `${pipeline}-${consumer}`;
}

/** Delay before retry `attempt` (1-based): doubling from `initial`, capped at `max`. */
export function retryDelayMs(initialMs: number, maxMs: number, attempt: number): number {
  return Math.min(maxMs, initialMs * 2 ** (attempt - 1));
}

// One naming of retry and dead-letter queues for the operator and the consumers it runs.
export { deadLetterQueueName, retryQueueName };

/** A consumer container's resources when its spec names none. */
export const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } as const;

/** Seconds a consumer Pod has to drain on SIGTERM (payment-worker's SHUTDOWN_TIMEOUT_MS is 25 s). */
export const TERMINATION_GRACE_SECONDS = 30;

// The restricted Pod Security profile: non-root (a fixed numeric user, so an image whose USER is
// a name still starts), no privilege escalation, no capabilities, the runtime's seccomp profile,
// and a read-only root filesystem with a writable /tmp.
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };

function argValue(value: string): string | number {
  return /^-?[0-9]+$/.test(value) ? Number(value) : value;
}

function queueDecls(q: QueueSpec): QueueDecl[] {
  const args: Record<string, string | number> = { 'x-queue-type': q.type };
  if (q.maxLength !== undefined) args['x-max-length'] = q.maxLength;
  if (q.messageTtl !== undefined) args['x-message-ttl'] = parseDuration(q.messageTtl);
  for (const [key, value] of Object.entries(q.arguments ?? {})) args[key] = argValue(value);
  const out: QueueDecl[] = [];
  if (q.deadLetter.enabled) {
    // Rejected (nack, requeue=false) and exhausted messages go to the DLQ through the default exchange.
    args['x-dead-letter-exchange'] = '';
    args['x-dead-letter-routing-key'] = deadLetterQueueName(q.name);
    out.push({ name: deadLetterQueueName(q.name), durable: true, arguments: { 'x-queue-type': q.type }, role: 'dead-letter' });
  }
  out.unshift({ name: q.name, durable: q.durable, arguments: args, role: 'main' });
  if (q.retry !== undefined) {
    const initial = parseDuration(q.retry.backoff.initial);
    const max = parseDuration(q.retry.backoff.max);
    for (let attempt = 1; attempt <= q.retry.maxAttempts; attempt++) {
      // A delay queue holds a message for its TTL, then dead-letters it back to the work queue.
      out.push({
        name: retryQueueName(q.name, attempt),
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-message-ttl': retryDelayMs(initial, max, attempt),
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': q.name,
        },
        role: 'retry',
      });
    }
  }
  return out;
}

function ownerReference(p: OrderPipeline): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: KIND, name: p.metadata.name, uid: p.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function consumerLabels(p: OrderPipeline, c: ConsumerSpec): Record<string, string> {
  return {
    'app.kubernetes.io/name': c.name,
    'app.kubernetes.io/instance': consumerObjectName(p.metadata.name, c.name),
    'app.kubernetes.io/managed-by': 'orderflow-operator',
    'app.kubernetes.io/part-of': 'orderflow',
    [LABELS.pipeline]: p.metadata.name,
    [LABELS.consumer]: c.name,
  };
}

/** The contract variables a consumer reads from its ConfigMap (`@orderflow/consumer-contract`). */
function sourceSettings(p: OrderPipeline, c: ConsumerSpec): Record<string, string> {
  if (c.source.queue !== undefined) {
    const q = p.spec.rabbitmq?.queues.find((x) => x.name === c.source.queue);
    return {
      ...queueConsumerEnv({
        queue: c.source.queue,
        deadLetterQueue: q?.deadLetter.enabled === true ? deadLetterQueueName(q.name) : undefined,
        retries: q?.retry?.maxAttempts ?? 0,
        prefetch: c.source.prefetch ?? DEFAULT_PREFETCH,
      }),
    };
  }
  return {
    // The lag the autoscaler reads assumes this reset policy; the consumer must use the same.
    ...kafkaConsumerEnv({ topic: c.source.topic ?? '', group: c.source.group ?? '', offsetReset: c.source.offsetResetPolicy ?? 'latest' }),
  };
}

/** A short digest of a ConfigMap's data (keys in order), to roll the Pods when it changes. */
function configDigest(configMap: KubeObject): string {
  const data = configMap.data as Record<string, string>;
  const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function secretVolumeName(index: number): string {
  return `secret-file-${index}`;
}

/** Volumes, mounts and `<NAME>_FILE` variables of a consumer's Secret files. */
function secretFiles(c: ConsumerSpec): { volumes: unknown[]; mounts: unknown[]; env: unknown[] } {
  const files = c.secretFiles ?? [];
  return {
    volumes: files.map((f, i) => ({
      name: secretVolumeName(i),
      secret: { secretName: f.secretKeyRef.name, items: [{ key: f.secretKeyRef.key, path: SECRET_FILE_NAME }], ...(f.secretKeyRef.optional === undefined ? {} : { optional: f.secretKeyRef.optional }), defaultMode: 0o440 },
    })),
    mounts: files.map((f, i) => ({ name: secretVolumeName(i), mountPath: secretFileDir(f.name), readOnly: true })),
    env: files.map((f) => ({ name: fileVariable(f.name), value: secretFilePath(f.name) })),
  };
}

/** The highest replica count a consumer may reach: Kafka consumers never pass the partitions. */
export function consumerMaxReplicas(p: OrderPipeline, c: ConsumerSpec): number {
  if (c.source.topic === undefined) return c.scaling.maxReplicas;
  const topic = p.spec.kafka?.topics.find((t) => t.name === c.source.topic);
  return Math.max(1, Math.min(c.scaling.maxReplicas, topic?.partitions ?? 1));
}

/** A consumer's env entry as a container's: a reference stays a reference (the kubelet resolves it). */
function containerEnv(e: EnvVar): Record<string, unknown> {
  if (e.valueFrom === undefined) return { name: e.name, value: e.value ?? '' };
  const { secretKeyRef, configMapKeyRef, fieldRef } = e.valueFrom;
  return { name: e.name, valueFrom: secretKeyRef !== undefined ? { secretKeyRef } : configMapKeyRef !== undefined ? { configMapKeyRef } : { fieldRef } };
}

function consumerWorkloads(p: OrderPipeline, c: ConsumerSpec): KubeObject[] {
  const name = consumerObjectName(p.metadata.name, c.name);
  const namespace = p.metadata.namespace;
  const labels = consumerLabels(p, c);
  const metadata = { name, namespace, labels, ownerReferences: [ownerReference(p)] };
  const selector = { [LABELS.pipeline]: p.metadata.name, [LABELS.consumer]: c.name };
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: sourceSettings(p, c) };
  const files = secretFiles(c);
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      // replicas is left to the HorizontalPodAutoscaler, so applying never fights it.
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: { [ANNOTATIONS.configDigest]: configDigest(configMap) } },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: POD_SECURITY,
          containers: [
            {
              name: c.name,
              image: c.image,
              envFrom: [{ configMapRef: { name } }],
              env: [...files.env, ...(c.env ?? []).map(containerEnv)],
              ports: [{ name: 'http', containerPort: CONSUMER_PORT }],
              // A slow start (a busy node, many replicas scheduled at once by the HPA) is not a
              // hang: liveness begins only once the startup probe passed (up to 2 minutes), and a
              // slow answer under load gets 3 s before it counts as a failure.
              startupProbe: { httpGet: { path: LIVENESS_PATH, port: 'http' }, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 3 },
              livenessProbe: { httpGet: { path: LIVENESS_PATH, port: 'http' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
              readinessProbe: { httpGet: { path: READINESS_PATH, port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
              resources: c.resources ?? DEFAULT_RESOURCES,
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...files.mounts],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }, ...files.volumes],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    // Headless: consumers take no traffic; the Service names their pods for scraping and
    // discovery without spending an address of the (often small) service range.
    spec: { clusterIP: 'None', selector, ports: [{ name: 'http', port: CONSUMER_PORT, targetPort: 'http' }] },
  };
  return [configMap, deployment, service];
}

function consumerAutoscaler(p: OrderPipeline, c: ConsumerSpec): KubeObject {
  const name = consumerObjectName(p.metadata.name, c.name);
  const maxReplicas = consumerMaxReplicas(p, c);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: p.metadata.namespace, labels: consumerLabels(p, c), ownerReferences: [ownerReference(p)] },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: Math.min(c.scaling.minReplicas, maxReplicas),
      maxReplicas,
      metrics: [
        {
          type: 'External',
          external: {
            metric: { name: EXTERNAL_METRIC_NAME, selector: { matchLabels: { [LABELS.pipeline]: p.metadata.name, [LABELS.consumer]: c.name } } },
            target: { type: 'AverageValue', averageValue: String(c.scaling.targetLagPerReplica) },
          },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: c.scaling.scaleDownStabilizationSeconds } },
    },
  };
}

/** Everything one pipeline needs, computed from its spec alone (no I/O). */
export function desired(p: OrderPipeline): DesiredState {
  const rabbit = p.spec.rabbitmq;
  return {
    rabbitmq:
      rabbit === undefined
        ? undefined
        : {
            vhost: rabbit.vhost,
            exchanges: rabbit.exchanges.map((e) => ({ name: e.name, type: e.type, durable: e.durable })),
            queues: rabbit.queues.flatMap(queueDecls),
            bindings: rabbit.queues.flatMap((q) =>
              q.bindings.map((b) => ({ exchange: b.exchange, queue: q.name, routingKey: b.routingKey, arguments: b.arguments ?? {} })),
            ),
          },
    kafka: {
      topics: (p.spec.kafka?.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config ?? {} })),
    },
    workloads: p.spec.consumers.flatMap((c) => consumerWorkloads(p, c)),
    autoscalers: p.spec.consumers.map((c) => consumerAutoscaler(p, c)),
  };
}
