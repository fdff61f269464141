import type { Condition, OrderPipeline, OrderPipelineStatus } from '../api/order-pipeline.ts';
import { CONDITION, REASON } from '../names.ts';
import type { Problem } from '../outcome.ts';
import type { ConsumerReadiness } from '../workloads/workload-applier.ts';
import { mergeConditions, type ConditionInput } from './conditions.ts';

/** Everything one reconcile learned, from which the conditions are written. */
export interface Observations {
  topologyProblems: Problem[];
  workloadProblems: Problem[];
  consumers: { name: string; readiness: ConsumerReadiness; scaling: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string } }[];
}

function join(problems: Problem[]): string {
  return problems.map((p) => p.message).join('; ');
}

/** The four conditions, decided from what happened (pure). */
export function decideConditions(o: Observations): ConditionInput[] {
  const topology: ConditionInput =
    o.topologyProblems.length === 0
      ? { type: CONDITION.topologyReady, status: 'True', reason: REASON.topologyApplied, message: 'RabbitMQ topology and Kafka topics match the spec' }
      : { type: CONDITION.topologyReady, status: 'False', reason: o.topologyProblems[0]!.reason, message: join(o.topologyProblems) };

  let consumers: ConditionInput;
  if (o.workloadProblems.length > 0) {
    consumers = { type: CONDITION.consumersReady, status: 'False', reason: o.workloadProblems[0]!.reason, message: join(o.workloadProblems) };
  } else if (o.consumers.length === 0) {
    consumers = { type: CONDITION.consumersReady, status: 'True', reason: REASON.noConsumers, message: 'the pipeline declares no consumers' };
  } else {
    const notReady = o.consumers.filter((c) => !c.readiness.ready);
    const pending = o.consumers.some((c) => c.readiness.available < c.readiness.replicas || c.readiness.replicas === 0);
    const message = o.consumers.map((c) => c.readiness.message).join('; ');
    if (notReady.length > 0) {
      const unobserved = notReady.some((c) => !c.readiness.observed);
      consumers = { type: CONDITION.consumersReady, status: 'False', reason: unobserved ? REASON.deploymentNotObserved : REASON.podsPending, message };
    } else {
      consumers = { type: CONDITION.consumersReady, status: 'True', reason: pending ? REASON.podsPending : REASON.replicasAvailable, message };
    }
  }

  let scaling: ConditionInput;
  if (o.consumers.length === 0) {
    scaling = { type: CONDITION.scalingActive, status: 'False', reason: REASON.noConsumers, message: 'nothing to scale' };
  } else {
    const inactive = o.consumers.find((c) => c.scaling.status === 'False');
    const unknown = o.consumers.find((c) => c.scaling.status === 'Unknown');
    const worst = inactive ?? unknown;
    scaling =
      worst === undefined
        ? { type: CONDITION.scalingActive, status: 'True', reason: REASON.autoscalerActive, message: 'every consumer autoscaler reads its lag metric' }
        : { type: CONDITION.scalingActive, status: worst.scaling.status, reason: worst.scaling.reason, message: worst.scaling.message };
  }

  const failing = [topology, consumers].filter((c) => c.status !== 'True');
  const ready: ConditionInput =
    failing.length === 0
      ? { type: CONDITION.ready, status: 'True', reason: REASON.reconciled, message: consumers.reason === REASON.podsPending ? 'topology and consumers in place; consumer pods are pending' : 'topology and consumers in place' }
      : { type: CONDITION.ready, status: 'False', reason: failing[0]!.reason, message: failing.map((c) => `${c.type}: ${c.message}`).join('; ') };
  return [ready, topology, consumers, scaling];
}

/** The status to write: conditions merged with the previous ones, plus the observed figures. */
export function buildStatus(p: OrderPipeline, o: Observations, figures: Pick<OrderPipelineStatus, 'queues' | 'topics' | 'consumers'>, now: Date): OrderPipelineStatus {
  const conditions: Condition[] = mergeConditions(p.status?.conditions, decideConditions(o), p.metadata.generation, now);
  return { observedGeneration: p.metadata.generation, conditions, ...figures };
}
