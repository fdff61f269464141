import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';

interface ActiveTarget { labels: Record<string, string>; health: string }

const writerModule = fileURLToPath(new URL('../../packages/http/src/prometheus-target.ts', import.meta.url));

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
});
