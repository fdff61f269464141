import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { adminKubeConfig, deleteNamespace, isGone } from './kube.ts';
import { helm } from './tools.ts';

const chart = fileURLToPath(new URL('./fixtures/tiny-chart', import.meta.url));

describe('helm', () => {
  const release = 'tiny';

  it('reports the version it was built as', { timeout: 60_000 }, async () => {
    const { stdout } = await helm('version', '--template', '{{.Version}} {{.GitTreeState}}');
    expect(stdout).toMatch(/^v3\.\d+\.\d+ archive$/);
  });

  it('installs and uninstalls a chart', { timeout: 240_000 }, async () => {
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = uniqueName('test-helm');
    onTestFinished(() => deleteNamespace(kc, namespace));
    await helm('install', release, chart, '--namespace', namespace, '--create-namespace', '--set', 'greeting=hi', '--wait', '--timeout', '90s');

    const settings = await core.readNamespacedConfigMap({ name: `${release}-settings`, namespace });
    expect(settings.data?.greeting).toBe('hi');
    // Helm rendered .Capabilities from the API server's /version, not its built-in default.
    expect(settings.data?.kubeVersion).toBe(stackSetting('ORDERFLOW_K8S_VERSION'));
    const service = await core.readNamespacedService({ name: release, namespace });
    expect(service.spec?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const { stdout } = await helm('list', '--namespace', namespace, '--output', 'json');
    expect(JSON.parse(stdout)).toMatchObject([{ name: release, namespace, status: 'deployed', chart: 'tiny-chart-0.1.0' }]);

    await helm('uninstall', release, '--namespace', namespace, '--wait', '--timeout', '90s');
    await waitFor(() => isGone(() => core.readNamespacedConfigMap({ name: `${release}-settings`, namespace })), { timeoutMs: 120_000, what: 'chart ConfigMap removed' });
    await waitFor(() => isGone(() => core.readNamespacedService({ name: release, namespace })), { timeoutMs: 120_000, what: 'chart Service removed' });
    const after = await helm('list', '--namespace', namespace, '--all', '--output', 'json');
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});
