import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type ChartTools, chartDir, helmTemplate, installChartTools, outcome, repoDir } from './chart-tools.ts';

// The chart checks of hack/chart/check, one test per step, so a failure names the check; then
// proof that the checks catch what they are for, and the operator's RBAC on the real API server.

let tools: ChartTools;

beforeAll(async () => {
  tools = await installChartTools();
}, 1_800_000);

describe('chart checks (hack/chart/check)', () => {
  for (const step of ['crd-sync', 'lint', 'kubeconform', 'unittest', 'psa', 'checkov', 'dry-run']) {
    it(`passes ${step}`, { timeout: 600_000 }, async () => {
      const result = await outcome('bash', ['hack/chart/check', step]);
      expect(result.code, `hack/chart/check ${step} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stderr).toContain(`PASS ${step}`);
    });
  }
});

describe('the chart CRD', () => {
  it('is byte for byte the generated manifests/crds (run hack/chart/sync-crds when this fails)', () => {
    const generated = join(repoDir, 'manifests/crds');
    const copied = join(chartDir, 'files/crds');
    const names = readdirSync(generated).filter((n) => n.endsWith('.yaml')).sort();
    expect(readdirSync(copied).filter((n) => n.endsWith('.yaml')).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(copied, name), 'utf8'), `charts/orderflow/files/crds/${name} is stale`).toBe(readFileSync(join(generated, name), 'utf8'));
    }
  });
});

describe('the checks catch what they are for', () => {
  const production = ['-f', join(chartDir, 'ci/production-values.yaml'), '--namespace', 'orderflow'];

  it('psacheck refuses a Pod template that breaks PodSecurity restricted', { timeout: 120_000 }, async () => {
    const rendered = await helmTemplate(...production, '--show-only', 'templates/order-api/deployment.yaml');
    const ok = await outcome(tools.PSACHECK, ['-'], { input: rendered });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const broken = rendered.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true').replace('runAsNonRoot: true', 'runAsNonRoot: false');
    const refused = await outcome(tools.PSACHECK, ['-'], { input: broken });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/FAIL {2}Deployment\/orderflow-order-api \(restricted:latest\): .*allowPrivilegeEscalation != false/);
  });

  it('kubeconform refuses an unknown field offline, in a Kubernetes kind and in the OrderPipeline', { timeout: 120_000 }, async () => {
    const rendered = await helmTemplate(...production, '--show-only', 'templates/operator/deployment.yaml', '--show-only', 'templates/pipeline/order-pipeline.yaml');
    const crdSchemas = mkdtempSync(join(tmpdir(), 'crd-schemas-'));
    onTestFinished(() => rmSync(crdSchemas, { recursive: true, force: true }));
    const converted = await outcome(tools.K8S_VALIDATE_PYTHON, ['hack/chart/crd_schemas.py', crdSchemas, join(chartDir, 'files/crds/orderpipelines.orderflow.dev.yaml')]);
    expect(converted.code, converted.stderr).toBe(0);
    const kubeconform = (input: string) =>
      outcome(
        tools.KUBECONFORM,
        ['-strict', '-summary', '-schema-location', `${tools.K8S_SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, '-schema-location', `${crdSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, '-'],
        { input },
      );
    const ok = await kubeconform(rendered);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Valid: 2, Invalid: 0, Errors: 0, Skipped: 0');
    const broken = rendered.replace('revisionHistoryLimit: 5', 'revisionHistoryLimt: 5').replace('deletionPolicy: DeleteIfEmpty', 'deletionPolicy: Sometimes');
    const refused = await kubeconform(broken);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/Deployment orderflow-operator is invalid: .*additional properties 'revisionHistoryLimt' not allowed/);
    expect(refused.stdout).toMatch(/OrderPipeline checkout is invalid: .*deletionPolicy/);
  });
});
