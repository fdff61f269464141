import { describe, expect, it } from 'vitest';
import { KubernetesObjectApi, PatchStrategy, type V1ConfigMap } from '@kubernetes/client-node';
import { adminKubeConfig, apiFailure, testNamespace } from './kube.ts';

describe('server-side apply', () => {
  it('tracks field managers and reports a conflict unless forced', { timeout: 120_000 }, async () => {
    const kc = adminKubeConfig();
    const namespace = await testNamespace(kc, 'ssa');
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const apply = (data: Record<string, string>, fieldManager: string, force: boolean) => {
      const settings: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data };
      return objects.patch(settings, undefined, undefined, fieldManager, force, PatchStrategy.ServerSideApply);
    };

    const first = await apply({ retries: '3', owner: 'operator' }, 'orderflow-operator', false);
    expect(first.data).toEqual({ retries: '3', owner: 'operator' });
    expect(first.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([['orderflow-operator', 'Apply']]);

    const conflict = await apiFailure(() => apply({ retries: '5' }, 'on-call-engineer', false));
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toContain('Apply failed with 1 conflict: conflict with "orderflow-operator": .data.retries');

    // A second manager may own a field nobody else manages, alongside the first.
    const shared = await apply({ paging: 'on' }, 'on-call-engineer', false);
    expect(shared.data).toEqual({ retries: '3', owner: 'operator', paging: 'on' });

    const forced = await apply({ retries: '5', paging: 'on' }, 'on-call-engineer', true);
    expect(forced.data).toEqual({ retries: '5', owner: 'operator', paging: 'on' });
    const managers = Object.fromEntries((forced.metadata?.managedFields ?? []).map((f) => [f.manager, Object.keys((f.fieldsV1 as { 'f:data'?: object })['f:data'] ?? {})]));
    expect(managers).toEqual({ 'orderflow-operator': ['f:owner'], 'on-call-engineer': ['f:paging', 'f:retries'] });
  });
});
