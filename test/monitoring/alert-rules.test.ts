import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stackSetting } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const rulesFile = fileURLToPath(new URL('../../monitoring/alerts/orderflow.rules.yml', import.meta.url));

/** Exit code and output, whatever the code (a missing binary still throws). */
async function outcome(file: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: repoDir, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('alert rules (monitoring/alerts)', () => {
  it('are valid and pass their promtool unit tests, firing and not firing for each alert', async () => {
    const check = await outcome('promtool', ['check', 'rules', rulesFile]);
    expect(check.out).toContain('SUCCESS');
    expect(check.code).toBe(0);
    const tests = await outcome('promtool', ['test', 'rules', 'monitoring/alerts/orderflow.rules.test.yml']);
    expect(tests.out).toContain('SUCCESS');
    expect(tests.code).toBe(0);
    // Every alert has a unit test and a runbook paragraph.
    const alerts = [...readFileSync(rulesFile, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    const unitTests = readFileSync(new URL('../../monitoring/alerts/orderflow.rules.test.yml', import.meta.url), 'utf8');
    const runbooks = readFileSync(new URL('../../docs/runbooks.md', import.meta.url), 'utf8');
    for (const alert of alerts) {
      expect(unitTests, `a promtool test of ${alert}`).toContain(`alertname: ${alert}`);
      expect(runbooks, `a runbook for ${alert}`).toContain(`## ${alert}`);
    }
  });

  it('the chart PrometheusRule is generated from them and renders the same rules', async () => {
    const check = await outcome(process.execPath, ['monitoring/generate-prometheus-rule.ts', '--check']);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);

    const rendered = await outcome(stackSetting('HELM'), [
      'template', 'x', 'charts/orderflow', '-f', 'charts/orderflow/tests/values/base.yaml',
      '--set', 'monitoring.prometheusRule.enabled=true', '-s', 'templates/monitoring/prometheusrule.yaml',
    ]);
    expect(rendered.code, rendered.out).toBe(0);
    const spec = rendered.out.slice(rendered.out.indexOf('\nspec:\n') + '\nspec:\n'.length);
    const groupsRendered = spec.split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n').trim();
    const source = readFileSync(rulesFile, 'utf8');
    expect(groupsRendered).toBe(source.slice(source.indexOf('\ngroups:\n') + 1).trim());
  });
});
