import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@orderflow/logging';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import { Controller } from '../src/controller/controller.ts';
import { KubeClient } from '../src/kube/kube-client.ts';
import { loadKubeconfig } from '../src/kube/kube-config.ts';
import { createMetricsRegistry, createOperatorMetrics } from '../src/metrics.ts';
import { deleteVhost, managementClient } from './brokers.ts';
import { applyPipeline, createNamespace, deleteNamespace, ensureCrd, getPipeline, kubeClient, waitForCondition } from './harness.ts';

// A write that loses an optimistic-concurrency race (409) is requeued and converges; it is not
// counted as a failed reconcile, and it does not storm. The controller runs in this process on
// the real API server and RabbitMQ; the race is real too: right before the operator's
// finalizer patch (which carries the resourceVersion it read), another client changes the
// pipeline, so the API server answers 409 Conflict.
const kube: KubeClient = kubeClient();
const vhost = uniqueName('op-conflict');
let ns = '';

/** The operator's client, except that it lets another writer in just before chosen patches. */
class RacedKubeClient extends KubeClient {
  readonly raced: string[] = [];
  readonly raceOn: (path: string) => boolean;
  constructor(raceOn: (path: string) => boolean) {
    super(loadKubeconfig(stackSetting('KUBECONFIG')));
    this.raceOn = raceOn;
  }

  override async mergePatch<T>(path: string, patch: unknown): Promise<T | undefined> {
    if (this.raceOn(path) && !this.raced.includes(path)) {
      this.raced.push(path);
      await kube.mergePatch(path, { metadata: { annotations: { 'orderflow.dev/touched-by': 'another-writer' } } });
    }
    return super.mergePatch<T>(path, patch);
  }
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-conflict');
});

afterAll(async () => {
  await deleteNamespace(kube, ns);
  await deleteVhost(vhost);
  kube.close();
});

describe('409 Conflict', () => {
  it('a finalizer patch that loses a race is requeued and converges, without counting as an error or storming', async () => {
    const operatorKube = new RacedKubeClient((path) => path.endsWith('/raced'));
    const conflicts: string[] = [];
    const registry = createMetricsRegistry();
    const metrics = createOperatorMetrics(registry);
    operatorKube.onRequest = (verb, status) => {
      if (status === 409) conflicts.push(verb);
    };
    const controller = new Controller(
      {
        namespace: ns,
        identity: 'conflict-test',
        instance: ns,
        concurrency: 2,
        resyncMs: 60_000,
        watchIdleMs: 60_000,
        cleanupTimeoutMs: 10_000,
        cleanupDrainTimeoutMs: 10_000,
        claimsNamespace: ns,
        consumersReadyWhen: 'created',
      },
      { kube: operatorKube, rabbit: managementClient(), kafka: undefined, metrics, log: createLogger('conflict-test', { level: 'silent' }) },
    );
    await applyPipeline(kube, ns, 'raced', { rabbitmq: { vhost, queues: [{ name: 'raced-q' }] } });
    await controller.start();
    try {
      const p = await waitForCondition(kube, ns, 'raced', 'Ready', 'True');
      expect(operatorKube.raced).toHaveLength(1);
      expect(conflicts).toEqual(['PATCH']);
      expect(p.metadata.finalizers).toEqual(['orderflow.dev/cleanup']);
      expect(p.metadata.annotations?.['orderflow.dev/touched-by']).toBe('another-writer');
      // Not an error: nothing counted, no backoff recorded; a couple of passes, not a storm.
      expect((await metrics.reconcileErrors.get()).values).toEqual([]);
      expect(controller.queue.failures(`${ns}/raced`)).toBe(0);
      const passes = (await metrics.reconcileDuration.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.result === 'success')?.value ?? 0;
      expect(passes).toBeGreaterThanOrEqual(2);
      expect(passes).toBeLessThanOrEqual(5);
      expect((await getPipeline(kube, ns, 'raced'))?.status?.observedGeneration).toBe(p.metadata.generation);
    } finally {
      await controller.stop();
      operatorKube.close();
    }
  });
});
