import { API_VERSION, KIND, type ConsumerSpec, type EnvVar, type OrderPipeline, type QueueSpec } from './api/order-pipeline.ts';
import { EXTERNAL_METRIC_NAME, LABELS } from './names.ts';
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

/** Names of the retry delay queues and the dead-letter queue of a queue. */
export function retryQueueName(queue: string, attempt: number): string {
  return `${queue}.retry.${attempt}`;
}
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

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

function sourceSettings(p: OrderPipeline, c: ConsumerSpec): Record<string, string> {
  if (c.source.queue !== undefined) {
    const q = p.spec.rabbitmq?.queues.find((x) => x.name === c.source.queue);
    const settings: Record<string, string> = {
      ORDERFLOW_SOURCE: 'rabbitmq',
      ORDERFLOW_RABBITMQ_VHOST: p.spec.rabbitmq?.vhost ?? '/',
      ORDERFLOW_QUEUE: c.source.queue,
    };
    if (q?.retry !== undefined) {
      settings.ORDERFLOW_RETRY_QUEUES = Array.from({ length: q.retry.maxAttempts }, (_, i) => retryQueueName(q.name, i + 1)).join(',');
      settings.ORDERFLOW_MAX_ATTEMPTS = String(q.retry.maxAttempts);
    }
    if (q?.deadLetter.enabled === true) settings.ORDERFLOW_DEAD_LETTER_QUEUE = deadLetterQueueName(q.name);
    return settings;
  }
  return {
    ORDERFLOW_SOURCE: 'kafka',
    ORDERFLOW_KAFKA_TOPIC: c.source.topic ?? '',
    ORDERFLOW_KAFKA_GROUP: c.source.group ?? '',
    // The lag the autoscaler reads assumes this reset policy; the consumer must use the same.
    ORDERFLOW_KAFKA_OFFSET_RESET: c.source.offsetResetPolicy ?? 'latest',
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
  const { secretKeyRef, configMapKeyRef } = e.valueFrom;
  return { name: e.name, valueFrom: secretKeyRef !== undefined ? { secretKeyRef } : { configMapKeyRef } };
}

function consumerWorkloads(p: OrderPipeline, c: ConsumerSpec): KubeObject[] {
  const name = consumerObjectName(p.metadata.name, c.name);
  const namespace = p.metadata.namespace;
  const labels = consumerLabels(p, c);
  const metadata = { name, namespace, labels, ownerReferences: [ownerReference(p)] };
  const selector = { [LABELS.pipeline]: p.metadata.name, [LABELS.consumer]: c.name };
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: sourceSettings(p, c) };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      // replicas is left to the HorizontalPodAutoscaler, so applying never fights it.
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: c.name,
              image: c.image,
              envFrom: [{ configMapRef: { name } }],
              env: (c.env ?? []).map(containerEnv),
              ports: [{ name: 'http', containerPort: 8080 }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
            },
          ],
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
    spec: { clusterIP: 'None', selector, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] },
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
