import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';

interface ActiveTarget { labels: Record<string, string>; health: string }

const writerModule = fileURLToPath(new URL('../../packages/http/src/prometheus-target.ts', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

async function activeTargets(job: string): Promise<ActiveTarget[]> {
  const res = await fetch(`${stackSetting('PROMETHEUS_URL')}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } };
  return body.data.activeTargets.filter((t) => t.labels.job === job);
}

describe('Prometheus file_sd targets (real server)', () => {
  it('drops the target of a process killed with SIGKILL instead of reporting it down', async () => {
    const job = uniqueName('sigkill-target');
    // A real process serving /metrics that registers itself the way every app does.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { createServer } from 'node:http';
      const { writePrometheusTarget } = await import(${JSON.stringify(writerModule)});
      const server = createServer((_, res) => res.end('# TYPE probe gauge\\nprobe 1\\n'));
      server.listen(0, '127.0.0.1', async () => {
        await writePrometheusTarget(${JSON.stringify(stackSetting('PROMETHEUS_TARGETS_DIR'))}, ${JSON.stringify(job)}, '127.0.0.1:' + server.address().port);
        console.log('registered');
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the registering process exited with ${code}`)));
      });
      await waitFor(async () => (await activeTargets(job)).some((t) => t.health === 'up'),
        { timeoutMs: 60_000, what: `Prometheus to scrape ${job} as up` });
    } finally {
      child.kill('SIGKILL');
    }
    const left = await waitFor(async () => ((await activeTargets(job)).length === 0 ? [] : undefined),
      { timeoutMs: 60_000, intervalMs: 500, what: `the target of the killed ${job} process to leave Prometheus' active targets` });
    expect(left).toEqual([]);
  });

  it('starting the stack sweeps the owner-less target files older versions left, even with Prometheus already running', async () => {
    const job = uniqueName('legacy-target');
    const dir = stackSetting('PROMETHEUS_TARGETS_DIR');
    // As writePrometheusTarget wrote them before the pid was in the name: no owner to check, and
    // nothing listens on the address, so Prometheus reports it down for as long as the file stays.
    const file = join(dir, `${job}-127_0_0_1_9.json`);
    writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:9'], labels: { job, service: job } }]));
    // Never left behind by a failed run: it would be a false `up == 0` for everyone.
    onTestFinished(() => rmSync(file, { force: true }));
    await waitFor(async () => (await activeTargets(job)).some((t) => t.health === 'down'), { timeoutMs: 60_000, what: `Prometheus to list the stale ${job} target as down` });

    // What `hack/stack up` runs for Prometheus: the running server is kept, the stale file goes.
    const up = spawnSync('bash', ['-c', `source "${repo}/hack/lib/common.sh"; source "${repo}/hack/services/prometheus.sh"; prometheus_start`], { encoding: 'utf8', timeout: 60_000 });
    expect(up.status, up.stderr).toBe(0);
    const left = await waitFor(async () => ((await activeTargets(job)).length === 0 ? [] : undefined),
      { timeoutMs: 60_000, intervalMs: 500, what: `the stale ${job} target to leave Prometheus' active targets` });
    expect(left).toEqual([]);
  });
});
