import { describe, expect, it } from 'vitest';
import { consumerReadiness } from '../workloads/workload-applier.ts';
import { decideConditions, type Observations } from './status.ts';

const active = { status: 'True' as const, reason: 'ValidMetricFound', message: 'ok' };
const deployment = (observed: number, replicas: number, available: number) => ({
  metadata: { name: 'p-c', generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: observed, replicas, availableReplicas: available },
});

function conditions(o: Observations): Record<string, string> {
  return Object.fromEntries(decideConditions(o).map((c) => [c.type, `${c.status}/${c.reason}`]));
}

describe('conditions from observations', () => {
  it('Ready with pods pending, when the mode is "created", says so in the reason', () => {
    const readiness = consumerReadiness('p-c', deployment(2, 1, 0), 'created');
    expect(readiness).toMatchObject({ ready: true, observed: true, replicas: 1, available: 0 });
    expect(conditions({ topologyProblems: [], workloadProblems: [], consumers: [{ name: 'c', readiness, scaling: active }] })).toEqual({
      Ready: 'True/Reconciled',
      TopologyReady: 'True/TopologyApplied',
      ConsumersReady: 'True/PodsPending',
      ScalingActive: 'True/AutoscalerActive',
    });
  });

  it('never claims availability in the default mode while pods are pending', () => {
    const readiness = consumerReadiness('p-c', deployment(2, 1, 0), 'available');
    expect(conditions({ topologyProblems: [], workloadProblems: [], consumers: [{ name: 'c', readiness, scaling: active }] })).toMatchObject({ Ready: 'False/PodsPending', ConsumersReady: 'False/PodsPending' });
  });

  it('a Deployment generation the controller manager has not observed is not ready', () => {
    const readiness = consumerReadiness('p-c', deployment(1, 1, 1), 'created');
    expect(conditions({ topologyProblems: [], workloadProblems: [], consumers: [{ name: 'c', readiness, scaling: active }] }).ConsumersReady).toBe('False/DeploymentNotObserved');
  });

  it('a topology problem makes Ready false with its reason; scaling mirrors the HPA', () => {
    const readiness = consumerReadiness('p-c', deployment(2, 1, 1), 'available');
    const out = conditions({
      topologyProblems: [{ reason: 'PartitionDecreaseRefused', message: 'no' }],
      workloadProblems: [],
      consumers: [{ name: 'c', readiness, scaling: { status: 'False', reason: 'FailedGetExternalMetric', message: 'x' } }],
    });
    expect(out).toEqual({ Ready: 'False/PartitionDecreaseRefused', TopologyReady: 'False/PartitionDecreaseRefused', ConsumersReady: 'True/ReplicasAvailable', ScalingActive: 'False/FailedGetExternalMetric' });
  });
});
