import { waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { command, kindSetting, kubectlJson, platformWorkload, type Workload } from './kind-env.ts';

const docker = (...args: string[]): Promise<string> => command(kindSetting('DOCKER'), args);

/** The image a workload of the platform's release runs on the cluster (built by hack/kind/kind up). */
async function deployedImage(workload: Workload): Promise<string> {
  const { namespace, name } = platformWorkload(workload);
  const d = await kubectlJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>('get', 'deployment', '-n', namespace, name);
  return d.spec.template.spec.containers[0]!.image;
}

interface ImageConfig {
  User: string;
  Labels: Record<string, string>;
  Entrypoint: string[];
}

// The production images themselves, run by Docker outside the cluster.
describe('app images', () => {
  const started: string[] = [];
  afterAll(async () => {
    for (const id of started) await docker('rm', '-f', id).catch(() => undefined);
  });

  it.each<Workload>(['order-api', 'payment-worker', 'payment-provider', 'operator', 'catalog-api', 'dashboard', 'stream-aggregator'])(
    '%s: non-root numeric user, node as the entrypoint, OCI labels (no shell on the local base)', async (workload) => {
    const image = await deployedImage(workload);
    const config = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config}}', image)) as ImageConfig;
    expect(config.User).toBe('10001:10001');
    expect(config.Entrypoint[0]).toBe('node');
    expect(config.Labels['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(config.Labels['org.opencontainers.image.source']).toBeTruthy();
    // The local runtime base has no shell; node:24-bookworm-slim (KIND_IMAGES=official) has one.
    if (kindSetting('KIND_IMAGES') === 'local') {
      await expect(docker('run', '--rm', '--entrypoint', 'sh', image, '-c', 'true')).rejects.toThrow(/executable file not found|no such file/);
    }
  });

  it('drains on SIGTERM and exits 0: node is PID 1 with no shell in between', async () => {
    const image = await deployedImage('payment-provider');
    const id = (await docker('run', '-d', '--read-only', '-e', 'PORT=8082', '-p', '127.0.0.1::8082', image)).trim();
    started.push(id);
    const port = (await docker('port', id, '8082/tcp')).trim().split('\n')[0]!.split(':').pop();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 250, what: 'the container ready' });
    expect((await docker('top', id)).split('\n')[1]).toMatch(/\bnode\b/);
    // docker stop: SIGTERM, then SIGKILL (exit 137) only if the process is still there after 30 s.
    await docker('stop', '-t', '30', id);
    expect((await docker('inspect', '-f', '{{.State.ExitCode}} {{.State.OOMKilled}}', id)).trim()).toBe('0 false');
  });
});
