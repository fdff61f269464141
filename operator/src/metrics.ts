// prom-client directly, not @orderflow/telemetry: that package's index also loads the
// OpenTelemetry SDK, about 35 MB of resident memory the operator does not use.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A registry of our own (never the global one), with process and runtime metrics. */
export function createMetricsRegistry(options: { defaultLabels?: Record<string, string> } = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Metric names, in one place (they are part of the operator's interface: dashboards, alerts). */
export const METRIC = {
  reconcileDuration: 'orderflow_operator_reconcile_duration_seconds',
  reconcileErrors: 'orderflow_operator_reconcile_errors_total',
  queueDepth: 'orderflow_operator_workqueue_depth',
  queueActive: 'orderflow_operator_workqueue_active',
  kubeRequests: 'orderflow_operator_kube_requests_total',
  watchRestarts: 'orderflow_operator_watch_restarts_total',
  leader: 'orderflow_operator_leader',
  consumerLag: 'orderflow_operator_consumer_lag',
  consumerLagTarget: 'orderflow_operator_consumer_lag_target',
  pipelinesReady: 'orderflow_operator_pipelines_ready',
  certExpiry: 'orderflow_operator_external_metrics_cert_expiry_timestamp_seconds',
  certRotations: 'orderflow_operator_external_metrics_cert_rotations_total',
} as const;

/** The operator's metrics, registered on one registry. */
export interface OperatorMetrics {
  reconcileDuration: Histogram<'result'>;
  reconcileErrors: Counter<'code'>;
  queueDepth: Gauge;
  queueActive: Gauge;
  kubeRequests: Counter<'verb' | 'code'>;
  watchRestarts: Counter<'resource' | 'why'>;
  leader: Gauge;
  consumerLag: Gauge<'namespace' | 'pipeline' | 'consumer'>;
  consumerLagTarget: Gauge<'namespace' | 'pipeline' | 'consumer'>;
  pipelinesReady: Gauge<'status'>;
  /** Feeds {@link OperatorMetrics.pipelinesReady} from reconcile outcomes. */
  readiness: PipelineReadiness;
  certExpiry: Gauge<'certificate'>;
  certRotations: Counter<'certificate'>;
}

/** The status of an OrderPipeline's Ready condition. */
export type ReadyStatus = 'True' | 'False' | 'Unknown';
const READY_STATUSES: readonly ReadyStatus[] = ['True', 'False', 'Unknown'];

/**
 * OrderPipelines counted by the Ready status their last reconcile wrote, one series per status
 * (0 when none, so an alert or panel on `status!="True"` always has a series to read). A pipeline
 * that is gone leaves the counts.
 */
export class PipelineReadiness {
  readonly #gauge: Gauge<'status'>;
  readonly #byKey = new Map<string, ReadyStatus>();

  constructor(gauge: Gauge<'status'>) {
    this.#gauge = gauge;
    this.#publish();
  }

  /** `key` (namespace/name) was reconciled and its Ready condition is now `status`. */
  observe(key: string, status: ReadyStatus): void {
    if (this.#byKey.get(key) === status) return;
    this.#byKey.set(key, status);
    this.#publish();
  }

  /** `key` is gone (deleted, or no longer this operator's). */
  forget(key: string): void {
    if (this.#byKey.delete(key)) this.#publish();
  }

  #publish(): void {
    const counts = new Map<ReadyStatus, number>(READY_STATUSES.map((s) => [s, 0]));
    for (const s of this.#byKey.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [status, n] of counts) this.#gauge.set({ status }, n);
  }
}

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const registers = [registry];
  const pipelinesReady = new Gauge({ name: METRIC.pipelinesReady, help: 'OrderPipelines by the status of their Ready condition (True, False, Unknown), as last reconciled.', labelNames: ['status'], registers });
  return {
    reconcileDuration: new Histogram({ name: METRIC.reconcileDuration, help: 'Time to reconcile one OrderPipeline.', labelNames: ['result'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    reconcileErrors: new Counter({ name: METRIC.reconcileErrors, help: 'Reconciles that failed, by error code.', labelNames: ['code'], registers }),
    queueDepth: new Gauge({ name: METRIC.queueDepth, help: 'Keys waiting in the work queue.', registers }),
    queueActive: new Gauge({ name: METRIC.queueActive, help: 'Keys being reconciled.', registers }),
    kubeRequests: new Counter({ name: METRIC.kubeRequests, help: 'Requests to the Kubernetes API server.', labelNames: ['verb', 'code'], registers }),
    watchRestarts: new Counter({ name: METRIC.watchRestarts, help: 'Watches restarted, by cause (ended, idle, gone, error).', labelNames: ['resource', 'why'], registers }),
    leader: new Gauge({ name: METRIC.leader, help: '1 while this replica holds the leader lease.', registers }),
    consumerLag: new Gauge({ name: METRIC.consumerLag, help: 'Consumer lag (Kafka) or backlog (RabbitMQ ready + unacked) last measured.', labelNames: ['namespace', 'pipeline', 'consumer'], registers }),
    consumerLagTarget: new Gauge({
      name: METRIC.consumerLagTarget,
      help: 'Most lag a consumer\'s scaling is sized for: its targetLagPerReplica times its maxReplicas (capped at the partitions). Lag above it for long is more than the autoscaler can absorb.',
      labelNames: ['namespace', 'pipeline', 'consumer'],
      registers,
    }),
    pipelinesReady,
    readiness: new PipelineReadiness(pipelinesReady),
    certExpiry: new Gauge({ name: METRIC.certExpiry, help: 'When the external metrics certificate served now (serving) and its CA (ca) expire, Unix seconds.', labelNames: ['certificate'], registers }),
    certRotations: new Counter({ name: METRIC.certRotations, help: 'External metrics certificates this replica issued: serving (same CA) or ca (new CA and certificate).', labelNames: ['certificate'], registers }),
  };
}
