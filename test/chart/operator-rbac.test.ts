import { describe, expect, it, onTestFinished } from 'vitest';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { chartDir, helmTemplate, outcome } from './chart-tools.ts';

// The operator's permissions as the chart grants them, applied for real on the local API
// server (release-unique names) and asked with `kubectl auth can-i` as its ServiceAccount:
// what it needs is allowed, what it must not do is refused.

const kubectl = (...args: string[]) => outcome(stackSetting('KUBECTL'), args);

/**
 * Applies the operator's account and RBAC for a fresh release (removed when the test ends) and
 * waits until the authorizer sees every binding: its caches follow the API a moment later.
 */
async function grant(release: string, namespace: string, pipelinesNamespace: string, ...set: string[]): Promise<string> {
  for (const ns of [namespace, 'kube-system']) {
    if (ns !== 'kube-system') expect((await kubectl('create', 'namespace', ns)).code).toBe(0);
  }
  onTestFinished(async () => {
    await kubectl('delete', 'namespace', namespace, '--wait=false');
  });
  const args = ['--namespace', namespace, '-f', `${chartDir}ci/production-values.yaml`, ...set.flatMap((s) => ['--set', s])];
  const only = ['serviceaccount', 'rbac-pipelines', 'rbac-leader-election', 'rbac-name-claims', 'rbac-external-metrics'].flatMap((t) => ['--show-only', `templates/operator/${t}.yaml`]);
  const manifests = (await helmTemplate(...args, ...only)).replaceAll('orderflow-operator', `${release}-operator`);
  const applied = await outcome(stackSetting('KUBECTL'), ['apply', '-f', '-'], { input: manifests });
  expect(applied.code, applied.stderr).toBe(0);
  onTestFinished(async () => {
    await outcome(stackSetting('KUBECTL'), ['delete', '--ignore-not-found', '-f', '-'], { input: manifests });
  });
  const sa = `system:serviceaccount:${namespace}:${release}-operator`;
  await waitFor(
    async () =>
      (await can(sa, 'watch', 'orderpipelines.orderflow.dev', '-n', pipelinesNamespace)) &&
      (await can(sa, 'update', `leases.coordination.k8s.io/${release}-operator`, '-n', namespace)) &&
      (await can(sa, 'create', 'configmaps', '-n', namespace)) &&
      (await can(sa, 'create', 'tokenreviews.authentication.k8s.io')),
    { timeoutMs: 60_000, what: `the RBAC of ${release} to take effect` },
  );
  return sa;
}

/** `kubectl auth can-i` as `user`: true for yes, false for no. */
async function can(user: string, ...args: string[]): Promise<boolean> {
  const result = await kubectl('auth', 'can-i', ...args, '--as', user);
  if (result.code !== 0 && result.code !== 1) throw new Error(`kubectl auth can-i failed: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

/**
 * A SubjectAccessReview. For an API group nobody serves yet (external.metrics.k8s.io before the
 * operator runs) `kubectl auth can-i` cannot resolve the resource through discovery.
 */
async function allowed(user: string, resourceAttributes: Record<string, string>): Promise<boolean> {
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes } };
  const result = await outcome(stackSetting('KUBECTL'), ['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(review) });
  if (result.code !== 0) throw new Error(`SubjectAccessReview failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { status?: { allowed?: boolean } }).status?.allowed === true;
}

describe('operator RBAC from the chart, on the real API server', () => {
  it('watching every namespace: reconciles pipelines anywhere, holds only its own Lease, never reads Secrets, deletes only Services and its claims', { timeout: 180_000 }, async () => {
    const release = uniqueName('rbac');
    const namespace = uniqueName('chart-rbac');
    const other = 'default';
    const sa = await grant(release, namespace, other);
    const lease = `${release}-operator`;

    // What it needs.
    expect(await can(sa, 'watch', 'orderpipelines.orderflow.dev', '--all-namespaces')).toBe(true);
    expect(await can(sa, 'patch', 'orderpipelines.orderflow.dev', '--subresource=status', '-n', other)).toBe(true);
    expect(await can(sa, 'update', 'orderpipelines.orderflow.dev', '--subresource=finalizers', '-n', other)).toBe(true);
    expect(await can(sa, 'create', 'deployments.apps', '-n', other)).toBe(true);
    expect(await can(sa, 'patch', 'horizontalpodautoscalers.autoscaling', '-n', other)).toBe(true);
    expect(await can(sa, 'create', 'events', '-n', other)).toBe(true);
    expect(await can(sa, 'create', 'leases.coordination.k8s.io', '-n', namespace)).toBe(true);
    expect(await can(sa, 'update', `leases.coordination.k8s.io/${lease}`, '-n', namespace)).toBe(true);
    expect(await can(sa, 'create', 'tokenreviews.authentication.k8s.io')).toBe(true);
    expect(await can(sa, 'create', 'subjectaccessreviews.authorization.k8s.io')).toBe(true);
    // Services are replaced when an immutable field changes; name claims live in its namespace.
    expect(await can(sa, 'delete', 'services', '-n', other)).toBe(true);
    expect(await can(sa, 'delete', 'configmaps', '-n', namespace)).toBe(true);

    // What it must not do.
    expect(await can(sa, 'get', 'secrets', '-n', namespace)).toBe(false);
    expect(await can(sa, 'list', 'secrets', '--all-namespaces')).toBe(false);
    expect(await can(sa, 'delete', 'deployments.apps', '-n', other)).toBe(false);
    expect(await can(sa, 'delete', 'orderpipelines.orderflow.dev', '-n', other)).toBe(false);
    expect(await can(sa, 'delete', 'configmaps', '-n', other)).toBe(false);
    expect(await can(sa, 'create', 'pods', '-n', other)).toBe(false);
    expect(await can(sa, 'update', 'deployments.apps', '--subresource=scale', '-n', other)).toBe(false);
    expect(await can(sa, 'update', 'leases.coordination.k8s.io/someone-elses-lease', '-n', namespace)).toBe(false);
    expect(await can(sa, 'create', 'leases.coordination.k8s.io', '-n', other)).toBe(false);
    expect(await can(sa, 'create', 'clusterroles.rbac.authorization.k8s.io')).toBe(false);
    expect(await can(sa, 'update', 'customresourcedefinitions.apiextensions.k8s.io')).toBe(false);

    // The HPA controller reads the lag metric through Kubernetes' bootstrap role; the chart adds nothing.
    const hpa = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
    expect(await allowed(hpa, { group: 'external.metrics.k8s.io', verb: 'get', namespace: other, resource: 'orderflow_consumer_lag' })).toBe(true);
  });

  it('watching one namespace: a Role there and nothing cluster-wide', { timeout: 180_000 }, async () => {
    const release = uniqueName('rbac');
    const namespace = uniqueName('chart-rbac');
    const watched = uniqueName('chart-rbac-shop');
    expect((await kubectl('create', 'namespace', watched)).code).toBe(0);
    onTestFinished(async () => {
      await kubectl('delete', 'namespace', watched, '--wait=false');
    });
    const sa = await grant(release, namespace, watched, `operator.watchNamespace=${watched}`);

    expect(await can(sa, 'watch', 'orderpipelines.orderflow.dev', '-n', watched)).toBe(true);
    expect(await can(sa, 'create', 'deployments.apps', '-n', watched)).toBe(true);
    expect(await can(sa, 'watch', 'orderpipelines.orderflow.dev', '-n', 'default')).toBe(false);
    expect(await can(sa, 'watch', 'orderpipelines.orderflow.dev', '--all-namespaces')).toBe(false);
    expect(await can(sa, 'create', 'deployments.apps', '-n', 'default')).toBe(false);
  });
});
