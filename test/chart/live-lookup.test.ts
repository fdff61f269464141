import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import { chartDir, helmTemplate, outcome } from './chart-tools.ts';

// What the chart looks up in a live cluster (`lookup` only works against an API server): the
// helm-generated serving certificate survives an upgrade, and the requestheader client CA is
// copied from kube-system. Rendered with --dry-run=server against the local API server.

const kubectl = (args: string[], input?: string) => outcome(stackSetting('KUBECTL'), args, input === undefined ? {} : { input });

/** The fields of rendered objects these tests read. */
interface RenderedObject {
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { caBundle?: string };
}

/** The documents of one kind in a multi-document render, parsed by kubectl (one call each). */
async function documents(rendered: string, kind: string): Promise<RenderedObject[]> {
  const docs = rendered.split(/^---$/m).filter((d) => new RegExp(`^kind: ${kind}$`, 'm').test(d));
  const parsed: RenderedObject[] = [];
  for (const doc of docs) {
    const result = await kubectl(['create', '--dry-run=client', '-o', 'json', '-f', '-'], doc);
    expect(result.code, result.stderr).toBe(0);
    parsed.push(JSON.parse(result.stdout) as RenderedObject);
  }
  return parsed;
}

describe('lookups against the live API server', () => {
  it('keeps the helm-generated external metrics certificate across upgrades, and the APIService trusts it', { timeout: 180_000 }, async () => {
    const namespace = uniqueName('chart-upgrade');
    expect((await kubectl(['create', 'namespace', namespace])).code).toBe(0);
    onTestFinished(async () => {
      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    });
    const render = () =>
      helmTemplate('--namespace', namespace, '-f', join(chartDir, 'ci/production-values.yaml'), '--set', 'externalMetrics.certificate.mode=helm', '--dry-run=server', '--show-only', 'templates/operator/external-metrics-apiservice.yaml');

    const install = await render();
    const [secret] = await documents(install, 'Secret');
    const [apiService] = await documents(install, 'APIService');
    expect(secret?.data?.['tls.crt']).toMatch(/^[A-Za-z0-9+/=]{200,}$/);
    expect(apiService?.spec?.caBundle).toBe(secret?.data?.['ca.crt']);

    // What `helm install` leaves in the namespace: the Secret only (the APIService is
    // cluster-wide and would take over external metrics for everyone on the shared server).
    const secretOnly = install.split(/^---$/m).find((d) => /^kind: Secret$/m.test(d))!;
    const applied = await kubectl(['apply', '-f', '-'], secretOnly);
    expect(applied.code, applied.stderr).toBe(0);

    const upgrade = await render();
    const [kept] = await documents(upgrade, 'Secret');
    const [apiServiceAfter] = await documents(upgrade, 'APIService');
    expect(kept?.data).toEqual(secret?.data);
    expect(apiServiceAfter?.spec?.caBundle).toBe(secret?.data?.['ca.crt']);

    // Without the lookup every render would generate a new pair, and an upgrade would leave
    // running Pods serving a certificate the APIService no longer trusts.
    const otherNamespace = await helmTemplate('--namespace', `${namespace}-x`, '-f', join(chartDir, 'ci/production-values.yaml'), '--show-only', 'templates/operator/external-metrics-apiservice.yaml');
    const [fresh] = await documents(otherNamespace, 'Secret');
    expect(fresh?.data?.['tls.crt']).not.toBe(secret?.data?.['tls.crt']);
  });

  it("copies the API server's requestheader client CA for the operator's client certificate check", { timeout: 120_000 }, async () => {
    const rendered = await helmTemplate('--namespace', uniqueName('chart-ca'), '-f', join(chartDir, 'ci/dev-values.yaml'), '--dry-run=server', '--show-only', 'templates/operator/requestheader-ca.yaml');
    const [copy] = await documents(rendered, 'ConfigMap');
    const source = await kubectl(['get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'jsonpath={.data.requestheader-client-ca-file}']);
    expect(source.code, source.stderr).toBe(0);
    expect(source.stdout).toContain('BEGIN CERTIFICATE');
    expect(copy?.data?.['requestheader-client-ca-file']?.trim()).toBe(source.stdout.trim());
  });
});
