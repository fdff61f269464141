import type { Logger } from '@orderflow/logging';
import { API_VERSION, type OrderPipeline } from '../api/order-pipeline.ts';
import type { KafkaAdminSession } from '../kafka/admin-session.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { objectPath, pipelinePath } from '../kube/paths.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { LABELS, instanceSelector } from '../names.ts';
import type { ManagementClient } from '../rabbitmq/management-client.ts';
import type { AutoscalerState } from '../scaling/autoscaler-state.ts';
import type { DeploymentState } from '../workloads/workload-applier.ts';
import { EventRecorder } from './event-recorder.ts';
import { Informer } from './informer.ts';
import { Reconciler } from './reconciler.ts';
import { ClaimRegistry } from '../ownership/claim-registry.ts';
import { WorkQueue } from './work-queue.ts';

/** Settings of the controller loop. */
export interface ControllerOptions {
  namespace: string | undefined;
  /** This replica's identity (events' reportingInstance). */
  identity: string;
  /** OPERATOR_INSTANCE: which pipelines are this operator's. */
  instance: string | undefined;
  concurrency: number;
  resyncMs: number;
  watchIdleMs: number;
  cleanupTimeoutMs: number;
  cleanupDrainTimeoutMs: number;
  /** Namespace of the broker-name claims (the operator's own). */
  claimsNamespace: string;
  consumersReadyWhen: 'available' | 'created';
}

/** Clients and telemetry the controller uses. */
export interface ControllerDeps {
  kube: KubeClient;
  rabbit: ManagementClient | undefined;
  kafka: KafkaAdminSession | undefined;
  metrics: OperatorMetrics;
  log: Logger;
}

/**
 * The OrderPipeline controller: informers for pipelines and the Deployments and HPAs they
 * own, a work queue of pipeline keys, and the reconciler. Every reconciled pipeline is
 * requeued after the resync period, which repairs drift on the brokers.
 */
export class Controller {
  readonly pipelines: Informer<OrderPipeline>;
  readonly deployments: Informer<DeploymentState>;
  readonly autoscalers: Informer<AutoscalerState>;
  readonly queue: WorkQueue;
  readonly #deps: ControllerDeps;
  readonly #reconciler: Reconciler;
  #started = false;

  constructor(options: ControllerOptions, deps: ControllerDeps) {
    this.#deps = deps;
    const { log, metrics } = deps;
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      backoff: { baseMs: 500, maxMs: 60_000 },
      onProcessed: (key, ms, err) => {
        metrics.reconcileDuration.observe({ result: err === undefined ? 'success' : 'error' }, ms / 1000);
        if (err !== undefined) {
          metrics.reconcileErrors.inc({ code: (err as { code?: string }).code ?? 'UNKNOWN' });
          log.warn({ err, key }, 'reconcile failed; backing off');
        }
        metrics.queueDepth.set(this.queue.depth);
        metrics.queueActive.set(this.queue.active);
      },
    });
    const enqueueOwner = (o: { metadata: { namespace?: string; labels?: Record<string, string> } }): void => {
      const owner = o.metadata.labels?.[LABELS.pipeline];
      if (owner !== undefined) this.queue.add(`${o.metadata.namespace ?? ''}/${owner}`);
    };
    const restart = (resource: string) => (why: string) => metrics.watchRestarts.inc({ resource, why });
    this.pipelines = new Informer<OrderPipeline>({
      path: pipelinePath(options.namespace),
      labelSelector: instanceSelector(options.instance),
      idleMs: options.watchIdleMs,
      log,
      onRestart: restart('orderpipelines'),
      onEvent: (type, p, old) => {
        const key = `${p.metadata.namespace}/${p.metadata.name}`;
        // Gone: one more pass finds it missing and drops what is kept about it (lag series).
        if (type === 'DELETED') {
          this.queue.add(key);
          return;
        }
        // Our own status and finalizer writes come back as MODIFIED without a new generation: not work.
        const changed = old === undefined || old.metadata.generation !== p.metadata.generation || old.metadata.deletionTimestamp !== p.metadata.deletionTimestamp;
        if (changed) this.queue.add(key);
      },
    });
    const selector = LABELS.pipeline;
    this.deployments = new Informer<DeploymentState>({
      path: objectPath('apps/v1', 'Deployment', options.namespace),
      labelSelector: selector,
      idleMs: options.watchIdleMs,
      log,
      onRestart: restart('deployments'),
      onEvent: (_t, o) => enqueueOwner(o),
    });
    this.autoscalers = new Informer<AutoscalerState>({
      path: objectPath('autoscaling/v2', 'HorizontalPodAutoscaler', options.namespace),
      labelSelector: selector,
      idleMs: options.watchIdleMs,
      log,
      onRestart: restart('horizontalpodautoscalers'),
      onEvent: (_t, o) => enqueueOwner(o),
    });
    this.#reconciler = new Reconciler({
      kube: deps.kube,
      rabbit: deps.rabbit,
      kafka: deps.kafka,
      events: new EventRecorder(deps.kube, log, options.identity),
      claims: new ClaimRegistry(deps.kube, options.claimsNamespace, log),
      pipelines: this.pipelines,
      deployments: this.deployments,
      autoscalers: this.autoscalers,
      metrics,
      log,
      options: { consumersReadyWhen: options.consumersReadyWhen, cleanupTimeoutMs: options.cleanupTimeoutMs, cleanupDrainTimeoutMs: options.cleanupDrainTimeoutMs, resyncMs: options.resyncMs },
    });
  }

  /** True once the caches are filled and reconciling has begun. */
  get started(): boolean {
    return this.#started;
  }

  /** Fills the caches (owned objects first, so the first reconciles see them), then starts workers. */
  async start(): Promise<void> {
    const { kube } = this.#deps;
    await Promise.all([this.deployments.start(kube), this.autoscalers.start(kube)]);
    await this.pipelines.start(kube);
    this.queue.start(async (key) => this.#reconciler.reconcile(key));
    this.#started = true;
    this.#deps.log.info({ pipelines: this.pipelines.cache.size, apiVersion: API_VERSION }, 'controller started');
  }

  /** Stops the watches and waits for reconciles in progress. */
  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all([this.pipelines.stop(), this.deployments.stop(), this.autoscalers.stop()]);
  }
}
