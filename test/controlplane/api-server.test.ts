import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { VersionApi } from '@kubernetes/client-node';
import { stackSetting } from '@orderflow/testkit';
import { adminKubeConfig } from './kube.ts';
import { failure, kubectl } from './tools.ts';

/** Status code of a GET that presents no client certificate. */
function anonymousGet(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('kube-apiserver', () => {
  it('reports the release it was built from', { timeout: 60_000 }, async () => {
    const version = await adminKubeConfig().makeApiClient(VersionApi).getCode();
    const expected = stackSetting('ORDERFLOW_K8S_VERSION');
    expect(version.gitVersion).toBe(expected);
    expect(`v${version.major}.${version.minor}`).toBe(expected.split('.').slice(0, 2).join('.'));

    const { stdout } = await kubectl('version', '--output', 'json');
    const both = JSON.parse(stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    expect(both.clientVersion.gitVersion).toBe(expected);
    expect(both.serverVersion.gitVersion).toBe(expected);
  });

  it('refuses requests without credentials', { timeout: 60_000 }, async () => {
    const cluster = adminKubeConfig().getCurrentCluster()!;
    const ca = Buffer.from(cluster.caData!, 'base64').toString('utf8');
    expect(await anonymousGet(`${cluster.server}/api/v1/namespaces`, ca)).toBe(401);
    expect(await anonymousGet(`${cluster.server}/readyz`, ca)).toBe(401);
  });

  it('authorizes with RBAC', { timeout: 60_000 }, async () => {
    const denied = await failure(kubectl('get', 'secrets', '--namespace', 'kube-system', '--as', 'orderflow-nobody'));
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('secrets is forbidden: User "orderflow-nobody" cannot list resource "secrets" in API group "" in the namespace "kube-system"');

    const { stdout } = await kubectl('auth', 'can-i', 'create', 'deployments', '--all-namespaces');
    expect(stdout.trim()).toBe('yes');
  });
});
