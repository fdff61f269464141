import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@orderflow/testkit';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { deleteVhost } from './brokers.ts';
import { applyPipeline, createNamespace, deleteNamespace, deletePipelineAndWait, ensureCrd, kubeClient, operatorMetrics, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// The operator's pipeline series on the real API server and RabbitMQ: Ready counts and the lag
// target, from a real operator process confined to this file's namespace.
const kube: KubeClient = kubeClient();
const vhost = uniqueName('op-metrics');
let ns = '';
let operator: OperatorProcess;

/** A pipeline with one queue and one consumer of it; a second pipeline of the same queue is refused it. */
const spec = (scaling: { maxReplicas: number; targetLagPerReplica?: number }): unknown => ({
  deletionPolicy: 'Delete',
  rabbitmq: { vhost, queues: [{ name: 'shared-q' }] },
  consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'shared-q' }, scaling }],
});

/** The value of the one sample of `name` whose labels include every pair in `labels` (undefined: none). */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = (await operatorMetrics(operator)).split('\n').filter((l) => l.startsWith(`${name}{`) && pairs.every((p) => l.includes(p)));
  expect(lines.length, `samples of ${name} with ${pairs.join(',')}`).toBeLessThanOrEqual(1);
  return lines[0] === undefined ? undefined : Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1));
}

async function readyCounts(): Promise<Record<string, number | undefined>> {
  const [t, f, u] = await Promise.all(['True', 'False', 'Unknown'].map((status) => sample('orderflow_operator_pipelines_ready', { status })));
  return { True: t, False: f, Unknown: u };
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-metrics');
  operator = await startOperator(ns);
});

afterAll(async () => {
  await operator?.stop();
  await deleteNamespace(kube, ns);
  await deleteVhost(vhost);
  kube.close();
});

describe('operator metrics of its pipelines', () => {
  it('counts pipelines by Ready status as reconciled; a deleted pipeline leaves the count', async () => {
    // Before any pipeline: every status is a series, at 0.
    expect(await readyCounts()).toEqual({ True: 0, False: 0, Unknown: 0 });

    await applyPipeline(kube, ns, 'owner', spec({ maxReplicas: 3, targetLagPerReplica: 50 }));
    await waitForCondition(kube, ns, 'owner', 'Ready', 'True');
    await waitFor(async () => (await readyCounts()).True === 1, { what: 'one Ready=True pipeline on /metrics', timeoutMs: 30_000 });

    // Declares the queue the first one owns: refused it, so not Ready.
    await applyPipeline(kube, ns, 'intruder', spec({ maxReplicas: 1 }));
    await waitForCondition(kube, ns, 'intruder', 'Ready', 'False', 'NameOwnedByOther');
    await waitFor(async () => {
      const c = await readyCounts();
      return c.True === 1 && c.False === 1;
    }, { what: 'one Ready=True and one Ready=False pipeline on /metrics', timeoutMs: 30_000 });

    await deletePipelineAndWait(kube, ns, 'intruder');
    await waitFor(async () => (await readyCounts()).False === 0, { what: 'the deleted pipeline to leave the False count', timeoutMs: 30_000 });
    expect(await readyCounts()).toEqual({ True: 1, False: 0, Unknown: 0 });
  });

  it('exports each consumer\'s lag target (targetLagPerReplica x maxReplicas) beside its lag, and drops both with the pipeline', async () => {
    const labels = { namespace: ns, pipeline: 'owner', consumer: 'worker' };
    const target = await waitFor(async () => sample('orderflow_operator_consumer_lag_target', labels), { what: 'the lag target series', timeoutMs: 30_000 });
    expect(target).toBe(150);
    expect(await sample('orderflow_operator_consumer_lag', labels)).toBe(0);

    await deletePipelineAndWait(kube, ns, 'owner');
    await waitFor(async () => {
      const [lag, lagTarget, ready] = await Promise.all([sample('orderflow_operator_consumer_lag', labels), sample('orderflow_operator_consumer_lag_target', labels), readyCounts()]);
      return lag === undefined && lagTarget === undefined && ready.True === 0;
    }, { what: 'lag, lag target and Ready count of the deleted pipeline to be gone', timeoutMs: 30_000 });
  });
});
