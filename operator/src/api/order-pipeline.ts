import { Type, type Static } from '@sinclair/typebox';
import { Duration, StringEnum, StringMap, type KubeSchemaOptions } from './schema-kit.ts';

/** API group, version, kind and plural of the custom resource. */
export const GROUP = 'orderflow.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'OrderPipeline';
export const PLURAL = 'orderpipelines';
export const API_VERSION = `${GROUP}/${VERSION}`;

// Limits keep CEL cost estimates bounded (the API server refuses unbounded rules).
const MAX_ITEMS = 64;
const RABBIT_NAME = { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', minLength: 1, maxLength: 200 };
const TOPIC_NAME = { pattern: '^[A-Za-z0-9._-]+$', minLength: 1, maxLength: 200 };
const DNS_LABEL = { pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$', minLength: 1, maxLength: 40 };
const DNS_SUBDOMAIN = { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', minLength: 1, maxLength: 253 };

const k = (o: KubeSchemaOptions): KubeSchemaOptions => o;

export const ExchangeSpec = Type.Object(
  {
    name: Type.String({ ...RABBIT_NAME, description: 'Exchange name on the vhost.' }),
    type: StringEnum(['direct', 'topic', 'fanout', 'headers'] as const, { default: 'direct' }),
    durable: Type.Boolean({ default: true }),
  },
  { description: 'A RabbitMQ exchange.' },
);

export const BindingSpec = Type.Object(
  {
    exchange: Type.String({ ...RABBIT_NAME, description: 'Exchange the queue is bound to (declared in this spec or existing).' }),
    routingKey: Type.String({ maxLength: 255, default: '', description: 'Routing key or topic pattern; ignored by fanout and headers exchanges.' }),
    arguments: Type.Optional(StringMap({ description: 'Binding arguments, e.g. x-match and header values for a headers exchange.' })),
  },
);

export const RetrySpec = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, maximum: 20, description: 'Delivery attempts after the first before a message is dead-lettered.' }),
    backoff: Type.Object(
      {
        initial: Duration({ default: '1s', description: 'Delay before the first retry.' }),
        max: Duration({ default: '60s', description: 'Longest delay; delays double up to it.' }),
      },
      { default: {} },
    ),
  },
  { description: 'Retries through delay queues (TTL, then back to the queue); attempts are counted by the x-death header.' },
);

export const QueueSpec = Type.Object(
  {
    name: Type.String({ ...RABBIT_NAME }),
    type: StringEnum(['classic', 'quorum'] as const, { default: 'classic' }),
    durable: Type.Boolean({ default: true }),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, description: 'x-max-length: messages kept before the oldest are dropped or dead-lettered.' })),
    messageTtl: Type.Optional(Duration({ description: 'x-message-ttl' })),
    arguments: Type.Optional(StringMap({ description: 'Further queue arguments (string values; numbers are converted when they parse).' })),
    bindings: Type.Array(BindingSpec, { maxItems: 16, default: [] }),
    retry: Type.Optional(RetrySpec),
    deadLetter: Type.Object({ enabled: Type.Boolean({ default: false }) }, { default: {} }),
  },
  k({
    description: 'A RabbitMQ queue with its bindings, retry delay queues and dead-letter queue.',
    'x-kubernetes-validations': [
      { rule: '!has(self.retry) || self.deadLetter.enabled', message: 'retry needs deadLetter.enabled: exhausted messages go to the dead-letter queue', reason: 'FieldValueInvalid' },
      { rule: "self.name.size() <= 190 || (!has(self.retry) && !self.deadLetter.enabled)", message: 'a queue with retry or dead-lettering needs a name of at most 190 characters (suffixes are added)' },
    ],
  }),
);

export const TopicSpec = Type.Object({
  name: Type.String({ ...TOPIC_NAME }),
  partitions: Type.Integer({ minimum: 1, maximum: 10_000, default: 1, description: 'Partitions only grow; a decrease is refused in a condition.' }),
  replicationFactor: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: 'Replicas per partition; the broker default when absent.' })),
  config: Type.Optional(StringMap({ description: 'Topic configuration (retention.ms, cleanup.policy, ...).' })),
});

export const ScalingSpec = Type.Object(
  {
    minReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    maxReplicas: Type.Integer({ minimum: 1, maximum: 1000 }),
    targetLagPerReplica: Type.Integer({ minimum: 1, default: 100, description: 'Kafka lag or RabbitMQ backlog (ready + unacknowledged) one replica should handle.' }),
    scaleDownStabilizationSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 60, description: 'How long the autoscaler waits before removing replicas.' }),
  },
  k({
    'x-kubernetes-validations': [
      { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not be above maxReplicas', reason: 'FieldValueInvalid', fieldPath: '.minReplicas' },
    ],
  }),
);

const KeyRef = (what: string) =>
  Type.Object(
    {
      name: Type.String({ ...DNS_SUBDOMAIN, description: `Name of the ${what} in the pipeline's namespace.` }),
      key: Type.String({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$', description: `Key in the ${what}.` }),
      optional: Type.Optional(Type.Boolean({ description: `Start the container even when the ${what} or key is missing.` })),
    },
    { description: `A key of a ${what} (as in a Pod's env).` },
  );

/**
 * The Pod fields the kubelet can put in a variable (the Downward API's `fieldRef` for env),
 * e.g. `metadata.name`: a consumer's stable instance id.
 */
const ENV_FIELD_PATH = "^(metadata\\.(name|namespace|uid|labels\\['[^']+'\\]|annotations\\['[^']+'\\])|spec\\.(nodeName|serviceAccountName)|status\\.(hostIP|hostIPs|podIP|podIPs))$";

/** A field of the consumer's own Pod, as in a Pod's env (`valueFrom.fieldRef`). */
export const FieldRef = Type.Object(
  {
    fieldPath: Type.String({ minLength: 1, maxLength: 320, pattern: ENV_FIELD_PATH, description: "A Pod field the kubelet resolves: metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s)." }),
  },
  { description: "A field of the consumer's Pod (the Downward API), e.g. metadata.name for a stable instance id." },
);

/** One environment variable of a consumer: a plain value, or a reference to a Secret or ConfigMap key or a field of its Pod. */
export const EnvVar = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256, pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' }),
    value: Type.Optional(Type.String({ maxLength: 32768, description: 'A plain value: stored in clear in the pipeline. Never a credential.' })),
    valueFrom: Type.Optional(
      Type.Object(
        { secretKeyRef: Type.Optional(KeyRef('Secret')), configMapKeyRef: Type.Optional(KeyRef('ConfigMap')), fieldRef: Type.Optional(FieldRef) },
        k({
          description: 'Where the value comes from; credentials go in a Secret.',
          'x-kubernetes-validations': [
            {
              rule: '(has(self.secretKeyRef) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.fieldRef) ? 1 : 0) == 1',
              message: 'valueFrom needs exactly one of secretKeyRef, configMapKeyRef or fieldRef',
            },
          ],
        }),
      ),
    ),
  },
  k({ 'x-kubernetes-validations': [{ rule: '!(has(self.value) && has(self.valueFrom))', message: 'an env entry has either value or valueFrom, not both', reason: 'FieldValueInvalid' }] }),
);

/** A Secret key mounted as a file; the consumer is told its path as `<name>_FILE`. */
export const SecretFile = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Z][A-Z0-9_]*$', description: 'The variable the file stands for (DATABASE_URL gives DATABASE_URL_FILE).' }),
    secretKeyRef: KeyRef('Secret'),
  },
  { description: 'A credential the consumer reads from a file (a mounted Secret key).' },
);

export const ConsumerSpec = Type.Object(
  {
    name: Type.String({ ...DNS_LABEL, description: 'Consumer name; the Deployment is <pipeline>-<name>.' }),
    image: Type.String({ minLength: 1, maxLength: 512 }),
    source: Type.Object(
      {
        queue: Type.Optional(Type.String({ ...RABBIT_NAME, description: 'A queue of this pipeline.' })),
        topic: Type.Optional(Type.String({ ...TOPIC_NAME, description: 'A topic of this pipeline.' })),
        group: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Kafka consumer group (required with topic).' })),
        prefetch: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 65_535, description: 'Queue only: unacknowledged messages the broker may push to one replica at once (PREFETCH; 200 when unset).' }),
        ),
        offsetResetPolicy: Type.Optional(
          StringEnum(['latest', 'earliest'] as const, {
            description:
              "Kafka only: the group's auto.offset.reset, where it starts on a partition without a valid committed offset (latest when unset, as KEDA). Lag follows it: with latest such a partition adds no lag; with earliest everything retained is lag. The consumer reads it as ORDERFLOW_KAFKA_OFFSET_RESET.",
          }),
        ),
      },
      k({
        'x-kubernetes-validations': [
          { rule: 'has(self.queue) != has(self.topic)', message: 'source needs exactly one of queue or topic' },
          { rule: '!has(self.topic) || has(self.group)', message: 'a topic source needs a consumer group', fieldPath: '.group', reason: 'FieldValueRequired' },
          { rule: '!has(self.offsetResetPolicy) || has(self.topic)', message: 'offsetResetPolicy applies to a topic source only', fieldPath: '.offsetResetPolicy' },
          { rule: '!has(self.prefetch) || has(self.queue)', message: 'prefetch applies to a queue source only', fieldPath: '.prefetch' },
        ],
      }),
    ),
    env: Type.Optional(Type.Array(EnvVar, k({ maxItems: 64, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], description: 'Extra environment variables for the consumer container, as in a Pod. Credentials belong in a Secret, referenced with valueFrom.secretKeyRef: a plain value is stored in clear in the pipeline (etcd).' }))),
    secretFiles: Type.Optional(
      Type.Array(SecretFile, k({ maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], description: 'Secret keys the consumer reads as files: each is mounted read-only and named to the consumer as <name>_FILE.' })),
    ),
    resources: Type.Optional(
      Type.Object(
        { requests: Type.Optional(StringMap({ description: 'cpu, memory, ...' })), limits: Type.Optional(StringMap({ description: 'cpu, memory, ...' })) },
        { description: 'The container\'s resource requests and limits; requests cpu 100m, memory 128Mi and limit memory 256Mi when unset.' },
      ),
    ),
    scaling: ScalingSpec,
  },
);

export const OrderPipelineSpec = Type.Object(
  {
    rabbitmq: Type.Optional(
      Type.Object({
        vhost: Type.String({ minLength: 1, maxLength: 200, default: '/', description: 'Virtual host; created when missing, never deleted.' }),
        exchanges: Type.Array(ExchangeSpec, k({ maxItems: MAX_ITEMS, default: [], 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
        queues: Type.Array(QueueSpec, k({ maxItems: MAX_ITEMS, default: [], 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
      }),
    ),
    kafka: Type.Optional(
      Type.Object({
        topics: Type.Array(TopicSpec, k({ maxItems: MAX_ITEMS, default: [], 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
      }),
    ),
    consumers: Type.Array(ConsumerSpec, k({ maxItems: 32, default: [], 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
    deletionPolicy: StringEnum(['Retain', 'DeleteIfEmpty', 'Delete'] as const, {
      default: 'DeleteIfEmpty',
      description: 'On deletion: Retain keeps all broker objects; DeleteIfEmpty deletes them but keeps queues that hold messages; Delete deletes everything.',
    }),
  },
  k({
    'x-kubernetes-validations': [
      {
        rule: 'self.consumers.all(c, !has(c.source.queue) || (has(self.rabbitmq) && self.rabbitmq.queues.exists(q, q.name == c.source.queue)))',
        message: 'a consumer source.queue must name a queue in spec.rabbitmq.queues',
        fieldPath: '.consumers',
      },
      {
        rule: 'self.consumers.all(c, !has(c.source.topic) || (has(self.kafka) && self.kafka.topics.exists(t, t.name == c.source.topic)))',
        message: 'a consumer source.topic must name a topic in spec.kafka.topics',
        fieldPath: '.consumers',
      },
    ],
  }),
);

export const Condition = Type.Object({
  type: Type.String({ maxLength: 64 }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  reason: Type.String({ maxLength: 128 }),
  message: Type.String({ maxLength: 32768 }),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer()),
});

export const OrderPipelineStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(Condition, k({ maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }))),
  queues: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        messages: Type.Integer(),
        messagesReady: Type.Integer(),
        messagesUnacknowledged: Type.Integer(),
        consumers: Type.Integer(),
      }),
      { maxItems: 512 },
    ),
  ),
  topics: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String(), partitions: Type.Integer(), desiredPartitions: Type.Integer() }),
      { maxItems: MAX_ITEMS },
    ),
  ),
  consumers: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        lag: Type.Integer(),
        desiredReplicas: Type.Integer(),
        replicas: Type.Integer(),
        maxReplicas: Type.Integer(),
      }),
      { maxItems: 32 },
    ),
  ),
});

export type ExchangeSpec = Static<typeof ExchangeSpec>;
export type BindingSpec = Static<typeof BindingSpec>;
export type QueueSpec = Static<typeof QueueSpec>;
export type RetrySpec = Static<typeof RetrySpec>;
export type TopicSpec = Static<typeof TopicSpec>;
export type ScalingSpec = Static<typeof ScalingSpec>;
export type ConsumerSpec = Static<typeof ConsumerSpec>;
export type EnvVar = Static<typeof EnvVar>;
export type SecretFile = Static<typeof SecretFile>;
export type OrderPipelineSpec = Static<typeof OrderPipelineSpec>;
export type OrderPipelineStatus = Static<typeof OrderPipelineStatus>;
export type Condition = Static<typeof Condition>;

/** Object metadata fields the operator reads and writes. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An OrderPipeline as the API server returns it (defaults applied). */
export interface OrderPipeline {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: OrderPipelineSpec;
  status?: OrderPipelineStatus;
}
