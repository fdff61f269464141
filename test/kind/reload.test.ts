import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { command, isReady, kindSetting, kubectl, platformPods, platformWorkload, repoRoot } from './kind-env.ts';

const run = promisify(execFile);
// A file inside payment-provider's build context, ignored by git: the "source change".
const probe = join(repoRoot, 'apps/payment-provider/.kind-reload-probe');

async function reload(): Promise<void> {
  await run('bash', [join(repoRoot, 'hack/kind/kind'), 'reload'], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
}

/** The image the build tagged for payment-provider, by its content id (what reload deploys). */
async function builtImage(): Promise<string> {
  const id = (await command(kindSetting('DOCKER'), ['image', 'inspect', '-f', '{{.Id}}', 'orderflow.local/payment-provider:build'])).trim();
  return `orderflow.local/payment-provider:${id.replace(/^sha256:/, '').slice(0, 12)}`;
}

describe('reload after a source change', () => {
  afterAll(async () => {
    // Back to the committed sources, and the cluster back to their image.
    rmSync(probe, { force: true });
    await reload();
  }, 600_000);

  it('runs the rebuilt image, with the changed file, after hack/kind/kind reload (helm upgrade of the release)', async () => {
    const before = (await platformPods('payment-provider')).filter(isReady)[0]!;
    const marker = randomUUID();
    writeFileSync(probe, marker);
    await reload();

    const image = await builtImage();
    expect(image).not.toBe(before.spec.containers[0]!.image);
    const pod = await waitFor(
      async () => (await platformPods('payment-provider')).find((p) => isReady(p) && p.spec.containers[0]!.image === image),
      { timeoutMs: 120_000, intervalMs: 500, what: `a Ready payment-provider Pod running ${image}` },
    );
    const content = await kubectl('exec', '-n', platformWorkload('payment-provider').namespace, pod.metadata.name, '--', 'node', '-p', `require('fs').readFileSync('.kind-reload-probe', 'utf8')`);
    expect(content.trim()).toBe(marker);
  });
});
