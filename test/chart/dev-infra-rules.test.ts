import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackSetting } from '@orderflow/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { outcome, repoDir } from './chart-tools.ts';

// The kind Prometheus (charts/orderflow-dev-infra) evaluates the same alert rules as the local
// stack's: monitoring/alerts/*.rules.yml, copied into the chart by hack/chart/sync-rules (Helm
// reads only files inside a chart). test/kind/tracing.test.ts proves Prometheus loads them.

const source = join(repoDir, 'monitoring/alerts');
const ruleFiles = readdirSync(source).filter((n) => n.endsWith('.rules.yml')).sort();

interface K8sObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: { name: string; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; configMap?: { name: string } }[] } } };
}

async function renderPrometheus(): Promise<K8sObject[]> {
  const images = ['postgres', 'redis', 'rabbitmq', 'kafka', 'prometheus', 'jaeger'].map((n) => `images.${n}=orderflow.local/dev-${n}:test`).join(',');
  const out = await outcome(stackSetting('HELM'), ['template', 'infra', 'charts/orderflow-dev-infra', '--set', images, '--show-only', 'templates/prometheus.yaml']);
  expect(out.code, out.stderr).toBe(0);
  return parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

describe('the dev infrastructure Prometheus alert rules (charts/orderflow-dev-infra)', () => {
  it('the chart copy is current (run hack/chart/sync-rules when this fails)', async () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    const check = await outcome('bash', ['hack/chart/sync-rules', '--check']);
    expect(check.code, check.stderr).toBe(0);
  });

  it('renders every rule file into the rules ConfigMap, mounted where prometheus.yml loads them from', async () => {
    const objects = await renderPrometheus();
    const rules = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-rules');
    expect(Object.keys(rules?.data ?? {}).sort()).toEqual(ruleFiles);
    for (const name of ruleFiles) {
      expect(rules?.data?.[name], `${name} in the ConfigMap`).toBe(readFileSync(join(source, name), 'utf8').replace(/\n$/, ''));
    }

    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus')?.data?.['prometheus.yml'] ?? '';
    expect(config).toContain('rule_files: ["/etc/prometheus/rules/*.rules.yml"]');
    const pod = objects.find((o) => o.kind === 'StatefulSet')?.spec?.template.spec;
    const mount = pod?.containers.find((c) => c.name === 'prometheus')?.volumeMounts.find((m) => m.mountPath === '/etc/prometheus/rules');
    expect(pod?.volumes.find((v) => v.name === mount?.name)?.configMap?.name).toBe('prometheus-rules');

    // What the Pod reads is what promtool accepts.
    const dir = mkdtempSync(join(tmpdir(), 'dev-infra-rules-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(rules?.data ?? {})) writeFileSync(join(dir, name), text);
    const checked = await outcome('promtool', ['check', 'rules', ...ruleFiles.map((n) => join(dir, n))]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout + checked.stderr).toContain('SUCCESS');
  });
});
