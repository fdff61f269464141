import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';
import { removeDeadTargets, writePrometheusTarget } from './prometheus-target.ts';

describe('writePrometheusTarget', () => {
  it('writes one file_sd JSON target per instance, named with its pid, and removes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-'));
    const name = `order-api-127_0_0_1_8080-pid${process.pid}.json`;
    const remove = await writePrometheusTarget(dir, 'order-api', '127.0.0.1:8080');
    expect(await readdir(dir)).toEqual([name]);
    const content: unknown = JSON.parse(await readFile(join(dir, name), 'utf8'));
    expect(content).toEqual([{ targets: ['127.0.0.1:8080'], labels: { job: 'order-api', service: 'order-api' } }]);
    await remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the target when its process is killed with SIGKILL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-'));
    const module = new URL('./prometheus-target.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `const { writePrometheusTarget } = await import(${JSON.stringify(module)});
       await writePrometheusTarget(${JSON.stringify(dir)}, 'killed', '127.0.0.1:1');
       console.log('registered'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(await readdir(dir)).toEqual([`killed-127_0_0_1_1-pid${child.pid}.json`]);
    child.kill('SIGKILL');
    await waitFor(async () => (await readdir(dir)).length === 0, { timeoutMs: 30_000, what: 'the dead process target to go' });
  });

  it('sweeps targets whose process is gone and keeps the living and foreign files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-'));
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.once('exit', resolve));
    await writeFile(join(dir, `dead-127_0_0_1_1-pid${gone.pid}.json`), '[]');
    await writeFile(join(dir, `alive-127_0_0_1_2-pid${process.pid}.json`), '[]');
    await writeFile(join(dir, 'hand-written.json'), '[]');
    await removeDeadTargets(dir);
    expect((await readdir(dir)).sort()).toEqual([`alive-127_0_0_1_2-pid${process.pid}.json`, 'hand-written.json']);
  });
});
