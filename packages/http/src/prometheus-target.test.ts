import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePrometheusTarget } from './prometheus-target.ts';

describe('writePrometheusTarget', () => {
  it('writes one file_sd JSON target per instance and removes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-'));
    const remove = await writePrometheusTarget(dir, 'order-api', '127.0.0.1:8080');
    expect(await readdir(dir)).toEqual(['order-api-127_0_0_1_8080.json']);
    const content: unknown = JSON.parse(await readFile(join(dir, 'order-api-127_0_0_1_8080.json'), 'utf8'));
    expect(content).toEqual([{ targets: ['127.0.0.1:8080'], labels: { job: 'order-api', service: 'order-api' } }]);
    await remove();
    expect(await readdir(dir)).toEqual([]);
  });
});
