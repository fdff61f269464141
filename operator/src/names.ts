/** Labels the operator puts on what it creates and selects by. */
export const LABELS = {
  pipeline: 'orderflow.dev/pipeline',
  consumer: 'orderflow.dev/consumer',
  /** Which operator instance reconciles a pipeline (absent: the default instance). */
  operator: 'orderflow.dev/operator',
} as const;

/** Annotations the operator sets. */
export const ANNOTATIONS = {
  /** On a consumer's Pod template: a digest of its ConfigMap, so a contract change rolls the Pods (envFrom is read at start only). */
  configDigest: 'orderflow.dev/config-digest',
} as const;

/** The label selector of the pipelines an operator instance reconciles. */
export function instanceSelector(instance: string | undefined): string {
  return instance === undefined ? `!${LABELS.operator}` : `${LABELS.operator}=${instance}`;
}

/** The finalizer that makes deletion wait for broker cleanup. */
export const FINALIZER = 'orderflow.dev/cleanup';

/** Field manager for server-side apply. */
export const FIELD_MANAGER = 'orderflow-operator';

/** External metric served to the HPA: a consumer's lag (Kafka) or backlog (RabbitMQ). */
export const EXTERNAL_METRIC_NAME = 'orderflow_consumer_lag';

/** Condition types on an OrderPipeline. */
export const CONDITION = {
  ready: 'Ready',
  topologyReady: 'TopologyReady',
  consumersReady: 'ConsumersReady',
  scalingActive: 'ScalingActive',
  /** Set while a deleted pipeline's cleanup waits (False) for its queues to drain. */
  cleanupComplete: 'CleanupComplete',
} as const;

/** Condition reasons: stable words users and alerts can match on. */
export const REASON = {
  reconciled: 'Reconciled',
  reconciling: 'Reconciling',
  topologyApplied: 'TopologyApplied',
  brokerUnreachable: 'BrokerUnreachable',
  immutableQueueArguments: 'ImmutableQueueArguments',
  partitionDecreaseRefused: 'PartitionDecreaseRefused',
  kafkaError: 'KafkaError',
  rabbitmqError: 'RabbitMQError',
  workloadsApplied: 'WorkloadsApplied',
  podsPending: 'PodsPending',
  replicasAvailable: 'ReplicasAvailable',
  deploymentNotObserved: 'DeploymentNotObserved',
  applyFailed: 'ApplyFailed',
  noConsumers: 'NoConsumers',
  autoscalerActive: 'AutoscalerActive',
  autoscalerPending: 'AutoscalerPending',
  autoscalerInactive: 'AutoscalerInactive',
  notReady: 'NotReady',
  queuesNotEmpty: 'QueuesNotEmpty',
  nameOwnedByOther: 'NameOwnedByOther',
  nameClaimFailed: 'NameClaimFailed',
} as const;

/** Kubernetes event reasons, one per decision the operator makes. */
export const EVENT = {
  queueCreated: 'QueueCreated',
  exchangeCreated: 'ExchangeCreated',
  bindingCreated: 'BindingCreated',
  topicCreated: 'TopicCreated',
  partitionsIncreased: 'PartitionsIncreased',
  partitionDecreaseRefused: 'PartitionDecreaseRefused',
  topicConfigUpdated: 'TopicConfigUpdated',
  immutableQueueArguments: 'ImmutableQueueArguments',
  driftRepaired: 'DriftRepaired',
  reconcileFailed: 'ReconcileFailed',
  cleanupDeleted: 'CleanupDeleted',
  cleanupRetained: 'CleanupRetained',
  cleanupAbandoned: 'CleanupAbandoned',
  cleanupWaiting: 'CleanupWaiting',
  nameOwnedByOther: 'NameOwnedByOther',
  maxReplicasCapped: 'MaxReplicasCappedAtPartitions',
  /** The external metrics serving certificate was issued again (same CA). */
  certificateRotated: 'CertificateRotated',
  /** A new external metrics CA was made; the previous one stays in the caBundle until it expires. */
  caRotated: 'CARotated',
} as const;
