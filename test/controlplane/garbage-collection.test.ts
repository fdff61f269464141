import { describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { waitFor } from '@orderflow/testkit';
import { adminKubeConfig, testNamespace, isGone } from './kube.ts';
import { pendingDeployment } from './workload.ts';

describe('garbage collector', () => {
  it('deletes the dependents of a deleted owner', { timeout: 240_000 }, async () => {
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'gc');
    const core = kc.makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' }, data: { role: 'owner' } } });
    const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }];
    for (const name of ['child-a', 'child-b']) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, ownerReferences }, data: { role: 'child' } } });
    }
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'bystander' } } });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });

    for (const name of ['child-a', 'child-b']) {
      await waitFor(() => isGone(() => core.readNamespacedConfigMap({ name, namespace })), { timeoutMs: 120_000, what: `ConfigMap ${name} collected` });
    }
    const bystander = await core.readNamespacedConfigMap({ name: 'bystander', namespace });
    expect(bystander.metadata?.name).toBe('bystander');
  });

  it('removes a Deployment\'s ReplicaSet and Pods with foreground deletion', { timeout: 240_000 }, async () => {
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'gc');
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({ namespace, body: pendingDeployment('payments', 2) });
    await waitFor(async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=payments' })).items.length === 2, {
      timeoutMs: 120_000, what: 'Pods of Deployment payments',
    });

    await apps.deleteNamespacedDeployment({ name: 'payments', namespace, propagationPolicy: 'Foreground' });

    await waitFor(() => isGone(() => apps.readNamespacedDeployment({ name: 'payments', namespace })), { timeoutMs: 120_000, what: 'Deployment payments deleted' });
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=payments' });
    expect(replicaSets.items).toEqual([]);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=payments' });
    expect(pods.items).toEqual([]);
  });
});
