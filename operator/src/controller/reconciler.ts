import type { Logger } from '@orderflow/logging';
import { isRetriable } from '@orderflow/errors';
import { API_VERSION, KIND, type OrderPipeline, type OrderPipelineStatus } from '../api/order-pipeline.ts';
import { desired } from '../desired.ts';
import { KubeConflict, KubeRequestFailed, KubeUnreachable } from '../errors.ts';
import type { KafkaAdminSession } from '../kafka/admin-session.ts';
import { applyTopics } from '../kafka/topic-applier.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { pipelinePath } from '../kube/paths.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { CONDITION, EVENT, FIELD_MANAGER, FINALIZER, REASON } from '../names.ts';
import type { DecisionEvent, Problem } from '../outcome.ts';
import type { ManagementClient } from '../rabbitmq/management-client.ts';
import { applyTopology } from '../rabbitmq/topology-applier.ts';
import { autoscalerActivity, type AutoscalerState } from '../scaling/autoscaler-state.ts';
import { measureLag } from '../scaling/lag.ts';
import { applyObjects, consumerReadiness, type DeploymentState } from '../workloads/workload-applier.ts';
import type { OwnedMeta } from '../workloads/object-ownership.ts';
import { brokerNames, describeBrokerName } from '../ownership/broker-names.ts';
import { existingBrokerNames } from '../ownership/broker-existence.ts';
import { claimOwner, type ClaimConflict, type ClaimRegistry } from '../ownership/claim-registry.ts';
import { withoutConflicts } from '../ownership/without-conflicts.ts';
import { sameConditions } from './conditions.ts';
import type { EventRecorder } from './event-recorder.ts';
import { finalizePipeline } from './finalizer.ts';
import type { Informer } from './informer.ts';
import { buildStatus, type Observations } from './status.ts';
import type { HandlerResult } from './work-queue.ts';

/** What the reconciler works with; built once in main.ts. */
export interface ReconcilerDeps {
  kube: KubeClient;
  rabbit: ManagementClient | undefined;
  kafka: KafkaAdminSession | undefined;
  events: EventRecorder;
  claims: ClaimRegistry;
  pipelines: Informer<OrderPipeline>;
  deployments: Informer<DeploymentState>;
  autoscalers: Informer<AutoscalerState>;
  metrics: OperatorMetrics;
  log: Logger;
  options: { consumersReadyWhen: 'available' | 'created'; cleanupTimeoutMs: number; cleanupDrainTimeoutMs: number; resyncMs: number };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function brokerProblem(err: unknown, reason: string): Problem {
  return { reason: isRetriable(err) ? REASON.brokerUnreachable : reason, message: message(err) };
}

/**
 * Reconciles one OrderPipeline: desired state from the spec, appliers for RabbitMQ, Kafka and
 * the cluster, conditions from what happened. A retriable failure is written to the status
 * and then thrown, so the work queue backs the key off; a 409 requeues.
 */
export class Reconciler {
  readonly #d: ReconcilerDeps;
  /**
   * Broker state last applied per pipeline. Reconciles triggered by owned Deployments and HPAs
   * changing (two or three per new pipeline) reuse it instead of asking the brokers again;
   * a new generation or the periodic resync applies the topology afresh (and repairs drift).
   */
  readonly #applied = new Map<string, { generation: number | undefined; at: number; problems: Problem[]; figures: Pick<OrderPipelineStatus, 'queues' | 'topics'> }>();

  /** Consumers whose lag series this replica exports, per pipeline key: removed with them. */
  readonly #lagSeries = new Map<string, Set<string>>();

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
  }

  async reconcile(key: string): Promise<HandlerResult> {
    const p = this.#d.pipelines.cache.get(key);
    if (p === undefined) {
      this.#forget(key);
      return undefined;
    }
    try {
      if (p.metadata.deletionTimestamp !== undefined) {
        const result = await finalizePipeline(this.#d, p);
        if (result === undefined) this.#forget(key);
        return result;
      }
      return await this.#reconcileLive(p);
    } catch (err) {
      // A conflict means our copy is stale; the watch brings the new one and we try again.
      if (KubeConflict.is(err)) return { requeueAfterMs: 200 };
      throw err;
    }
  }

  /** Drops what this replica keeps about a pipeline that is gone, its lag series included. */
  #forget(key: string): void {
    this.#applied.delete(key);
    this.#d.metrics.readiness.forget(key);
    this.#dropLagSeries(key, new Set());
  }

  #dropLagSeries(key: string, keep: ReadonlySet<string>): void {
    const series = this.#lagSeries.get(key);
    if (series === undefined) return;
    const [namespace = '', pipeline = ''] = key.split('/');
    for (const consumer of series) {
      if (keep.has(consumer)) continue;
      this.#d.metrics.consumerLag.remove({ namespace, pipeline, consumer });
      this.#d.metrics.consumerLagTarget.remove({ namespace, pipeline, consumer });
      series.delete(consumer);
    }
    if (series.size === 0) this.#lagSeries.delete(key);
  }

  /**
   * Claims the pipeline's broker names. Returns the names other pipelines own (not to be
   * touched), or the error that kept the claims from being checked (then no topology is applied).
   */
  async #claimNames(p: OrderPipeline, names: ReturnType<typeof brokerNames>): Promise<{ conflicts: ClaimConflict[] } | { error: unknown }> {
    const d = this.#d;
    try {
      return { conflicts: await d.claims.claim(claimOwner(p), names, async (unclaimed) => existingBrokerNames({ rabbit: d.rabbit, kafka: d.kafka }, unclaimed)) };
    } catch (err) {
      return { error: err };
    }
  }

  async #reconcileLive(p: OrderPipeline): Promise<HandlerResult> {
    const d = this.#d;
    if (!(p.metadata.finalizers ?? []).includes(FINALIZER)) {
      await d.kube.mergePatch(pipelinePath(p.metadata.namespace, p.metadata.name), {
        metadata: { finalizers: [...(p.metadata.finalizers ?? []), FINALIZER], resourceVersion: p.metadata.resourceVersion },
      });
    }
    const firstApply = p.status?.observedGeneration === undefined;
    const events: DecisionEvent[] = [];
    const topologyProblems: Problem[] = [];
    const workloadProblems: Problem[] = [];
    const ownershipProblems: Problem[] = [];
    let retriable: unknown;
    const figures: Pick<OrderPipelineStatus, 'queues' | 'topics' | 'consumers'> = {};

    // Names another pipeline owns are reported and left out of everything applied below.
    let want = desired(p);
    const claimed = await this.#claimNames(p, brokerNames(want));
    if ('error' in claimed) {
      const fromKube = KubeRequestFailed.is(claimed.error) || KubeUnreachable.is(claimed.error);
      ownershipProblems.push(fromKube ? { reason: REASON.nameClaimFailed, message: `could not record which names this pipeline owns: ${message(claimed.error)}` } : brokerProblem(claimed.error, REASON.rabbitmqError));
      retriable = claimed.error;
    } else if (claimed.conflicts.length > 0) {
      for (const c of claimed.conflicts) {
        const text = `${describeBrokerName(c.name)} is owned by OrderPipeline ${c.owner.namespace}/${c.owner.name}; this pipeline does not declare, change or delete it`;
        ownershipProblems.push({ reason: REASON.nameOwnedByOther, message: text });
        events.push({ type: 'Warning', reason: EVENT.nameOwnedByOther, message: text });
      }
      want = withoutConflicts(p, want, claimed.conflicts.map((c) => c.name));
    }

    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    const cached = this.#applied.get(key);
    if ('error' in claimed) {
      // Ownership unknown: nothing is declared until the claims can be checked.
    } else if (cached !== undefined && cached.generation === p.metadata.generation && Date.now() - cached.at < d.options.resyncMs * 0.9) {
      topologyProblems.push(...cached.problems);
      Object.assign(figures, cached.figures);
    } else {
      // RabbitMQ and Kafka are independent: both appliers run at once.
      const rabbitPart = async (): Promise<void> => {
        if (want.rabbitmq !== undefined) {
          if (d.rabbit === undefined) topologyProblems.push({ reason: REASON.rabbitmqError, message: 'the pipeline declares RabbitMQ topology but the operator has no RABBITMQ_MANAGEMENT_URL' });
          else {
            try {
              const r = await applyTopology(d.rabbit, want.rabbitmq, { firstApply });
              events.push(...r.events);
              topologyProblems.push(...r.problems);
              figures.queues = r.queues;
            } catch (err) {
              topologyProblems.push(brokerProblem(err, REASON.rabbitmqError));
              if (isRetriable(err)) retriable = err;
            }
          }
        }
      };
      const kafkaPart = async (): Promise<void> => {
        if (want.kafka.topics.length > 0) {
          if (d.kafka === undefined) topologyProblems.push({ reason: REASON.kafkaError, message: 'the pipeline declares Kafka topics but the operator has no KAFKA_BROKERS' });
          else {
            try {
              const r = await d.kafka.use(async (admin) => applyTopics(admin, want.kafka.topics, { firstApply }));
              events.push(...r.events);
              topologyProblems.push(...r.problems);
              figures.topics = r.topics;
            } catch (err) {
              topologyProblems.push(brokerProblem(err, REASON.kafkaError));
              if (isRetriable(err)) retriable = err;
            }
          }
        }
      };
      await Promise.all([rabbitPart(), kafkaPart()]);
      if (retriable === undefined && claimed.conflicts.length === 0) this.#applied.set(key, { generation: p.metadata.generation, at: Date.now(), problems: [...topologyProblems], figures: { queues: figures.queues, topics: figures.topics } });
      else this.#applied.delete(key);
    }

    topologyProblems.unshift(...ownershipProblems);

    try {
      const applied = await applyObjects(d.kube, [...want.workloads, ...want.autoscalers], {
        cached: (o) => {
          const informer = o.kind === 'Deployment' ? d.deployments : o.kind === 'HorizontalPodAutoscaler' ? d.autoscalers : undefined;
          return informer?.cache.get(`${o.metadata.namespace}/${o.metadata.name}`) as OwnedMeta | undefined;
        },
      });
      workloadProblems.push(...applied.problems);
      for (const problem of applied.problems) events.push({ type: 'Warning', reason: EVENT.nameOwnedByOther, message: problem.message });
    } catch (err) {
      if (KubeConflict.is(err)) throw err;
      workloadProblems.push({ reason: REASON.applyFailed, message: message(err) });
      retriable ??= err;
    }

    const observations: Observations = { topologyProblems, workloadProblems, consumers: [] };
    figures.consumers = [];
    for (const c of p.spec.consumers) {
      const name = `${p.metadata.name}-${c.name}`;
      const dep = d.deployments.cache.get(`${p.metadata.namespace}/${name}`);
      const hpa = d.autoscalers.cache.get(`${p.metadata.namespace}/${name}`);
      observations.consumers.push({ name: c.name, readiness: consumerReadiness(name, dep, d.options.consumersReadyWhen), scaling: autoscalerActivity(hpa) });
      const maxReplicas = (want.autoscalers.find((a) => a.metadata.name === name)?.spec as { maxReplicas: number } | undefined)?.maxReplicas ?? c.scaling.maxReplicas;
      let lag = -1;
      try {
        lag = await measureLag({ rabbit: d.rabbit, kafka: d.kafka }, p, c);
        const labels = { namespace: p.metadata.namespace, pipeline: p.metadata.name, consumer: c.name };
        d.metrics.consumerLag.set(labels, lag);
        d.metrics.consumerLagTarget.set(labels, c.scaling.targetLagPerReplica * maxReplicas);
        let series = this.#lagSeries.get(key);
        if (series === undefined) this.#lagSeries.set(key, (series = new Set()));
        series.add(c.name);
      } catch (err) {
        d.log.debug({ err, consumer: c.name }, 'could not measure lag');
      }
      if (maxReplicas < c.scaling.maxReplicas) {
        events.push({ type: 'Normal', reason: EVENT.maxReplicasCapped, message: `consumer ${c.name}: maxReplicas ${c.scaling.maxReplicas} capped at ${maxReplicas}, the partitions of ${c.source.topic ?? ''}` });
      }
      figures.consumers.push({ name: c.name, lag, desiredReplicas: hpa?.status?.desiredReplicas ?? 0, replicas: dep?.status?.replicas ?? 0, maxReplicas });
    }

    this.#dropLagSeries(key, new Set(p.spec.consumers.map((c) => c.name)));

    const status = buildStatus(p, observations, figures, new Date());
    d.metrics.readiness.observe(key, status.conditions?.find((c) => c.type === CONDITION.ready)?.status ?? 'Unknown');
    const involved = { apiVersion: API_VERSION, kind: KIND, name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid };
    await Promise.all(events.map(async (e) => d.events.record(involved, e)));
    if (!sameStatus(p.status, status)) {
      await d.kube.apply(`${pipelinePath(p.metadata.namespace, p.metadata.name)}/status`, { apiVersion: API_VERSION, kind: KIND, metadata: { name: p.metadata.name, namespace: p.metadata.namespace }, status }, FIELD_MANAGER);
    }
    if (retriable !== undefined) throw retriable instanceof Error ? retriable : new Error('reconcile failed', { cause: retriable });
    return { requeueAfterMs: d.options.resyncMs };
  }
}

function sameStatus(a: OrderPipelineStatus | undefined, b: OrderPipelineStatus): boolean {
  if (a === undefined) return false;
  const { conditions: ca, ...ra } = a;
  const { conditions: cb, ...rb } = b;
  return sameConditions(ca, cb ?? []) && JSON.stringify(ra) === JSON.stringify(rb);
}
