import { describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { waitFor } from '@orderflow/testkit';
import { adminKubeConfig, testNamespace } from './kube.ts';
import { pendingDeployment } from './workload.ts';

describe('Deployment and ReplicaSet controllers', () => {
  it('turns a Deployment into a ReplicaSet and Pending Pods', { timeout: 240_000 }, async () => {
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'deploy');
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const deployment = await apps.createNamespacedDeployment({ namespace, body: pendingDeployment('orders', 3) });

    const replicaSet = await waitFor(async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=orders' });
      return list.items.find((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid));
    }, { timeoutMs: 120_000, what: 'the ReplicaSet of Deployment orders' });
    expect(replicaSet.spec?.replicas).toBe(3);
    expect(replicaSet.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'orders', controller: true });

    const pods = await waitFor(async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=orders' });
      return list.items.length === 3 && list.items;
    }, { timeoutMs: 120_000, what: '3 Pods of ReplicaSet ' + replicaSet.metadata?.name });
    for (const pod of pods) {
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: replicaSet.metadata?.name, controller: true });
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.spec?.nodeName).toBeUndefined();
    }

    const status = await waitFor(async () => {
      const current = await apps.readNamespacedDeployment({ name: 'orders', namespace });
      return current.status?.replicas === 3 && current.status;
    }, { timeoutMs: 120_000, what: 'Deployment orders status' });
    expect(status.readyReplicas ?? 0).toBe(0);
  });
});
