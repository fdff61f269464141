import { describe, expect, it } from 'vitest';
import { AppsV1Api, AutoscalingV2Api } from '@kubernetes/client-node';
import { waitFor } from '@orderflow/testkit';
import { adminKubeConfig, testNamespace } from './kube.ts';
import { pendingDeployment } from './workload.ts';

describe('HorizontalPodAutoscaler controller', () => {
  it('reconciles an HPA and reports why it cannot scale without metrics', { timeout: 240_000 }, async () => {
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'hpa');
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: pendingDeployment('worker', 1) });
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: {
        metadata: { name: 'worker' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      },
    });

    // No metrics server runs, so the controller can read the scale target but not compute
    // a recommendation: it says so in the HPA's conditions.
    const conditions = await waitFor(async () => {
      const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'worker', namespace });
      const found = hpa.status?.conditions ?? [];
      return found.some((c) => c.type === 'ScalingActive') && found;
    }, { timeoutMs: 180_000, intervalMs: 500, what: 'HPA worker conditions' });
    expect(conditions.find((c) => c.type === 'AbleToScale')?.status).toBe('True');
    expect(conditions.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
  });
});
