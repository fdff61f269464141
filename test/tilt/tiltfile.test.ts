import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, stackHelm, tiltCalls, type TiltCall } from './tilt-calls.ts';
import { tiltfileProblems } from './tiltfile-problems.ts';

// hack/kind names its cluster orderflow; kind's context is kind-<cluster>.
const KIND_CONTEXT = 'kind-orderflow';
const tiltfile = join(repoRoot, 'Tiltfile');
// A broken copy beside the real one (relative paths resolve against the Tiltfile's folder).
const broken = join(repoRoot, `Tiltfile.broken-${process.pid}`);

let helm: string;
let calls: TiltCall[];

beforeAll(async () => {
  helm = await stackHelm();
  calls = await tiltCalls(tiltfile, helm);
});
afterAll(() => rmSync(broken, { force: true }));

describe('the Tiltfile, evaluated by Starlark with recording builtins', () => {
  it('names only paths, images, charts, resources and ports that exist and agree with the chart', async () => {
    expect(await tiltfileProblems(calls, tiltfile, helm, KIND_CONTEXT)).toEqual([]);
  });

  it('builds every app image, installs the chart with the dev values and groups the resources', () => {
    const refs = calls.filter((c) => c.fn === 'docker_build').map((c) => c.args[0]);
    // Every workspace that ships an image (has a Dockerfile) is built by the Tiltfile.
    const imaged = [...readdirSync(join(repoRoot, 'apps')).map((a) => join('apps', a)), 'operator']
      .filter((dir) => existsSync(join(repoRoot, dir, 'Dockerfile')))
      .map((dir) => `orderflow.local/${dir.split('/').pop()!}`);
    expect(imaged.length).toBeGreaterThan(3);
    expect(refs.sort()).toEqual(imaged.sort());
    const helmCall = calls.find((c) => c.fn === 'helm')!;
    expect(helmCall.args[0]).toBe('charts/orderflow');
    expect(helmCall.kwargs.values).toEqual(['charts/orderflow/ci/dev-values.yaml']);
    const labels = new Set(calls.filter((c) => c.fn === 'k8s_resource').flatMap((c) => c.kwargs.labels as string[] | undefined ?? []));
    expect([...labels].sort()).toEqual(['apps', 'infra', 'operator']);
    const forwarded = calls.filter((c) => c.fn === 'port_forward').map((c) => c.kwargs.name);
    expect(forwarded).toEqual(expect.arrayContaining(['order-api', 'Prometheus']));
  });

  it('installs into the namespace given with tilt up -- --namespace', async () => {
    const other = await tiltCalls(tiltfile, helm, { namespace: 'orderflow-tilt' });
    expect(other.find((c) => c.fn === 'helm')!.kwargs.namespace).toBe('orderflow-tilt');
  });

  it('reports a Tiltfile that builds an image the chart does not run and forwards a port nobody serves', async () => {
    const text = readFileSync(tiltfile, 'utf8')
      .replace("'name': 'payment-provider', 'dir': 'apps/payment-provider'", "'name': 'payment-providr', 'dir': 'apps/payment-provider'")
      .replace('port_forward(18080, 8080', 'port_forward(18080, 8081');
    writeFileSync(broken, text);
    const problems = await tiltfileProblems(await tiltCalls(broken, helm), broken, helm, KIND_CONTEXT);
    expect(problems).toEqual(
      expect.arrayContaining([
        'docker_build orderflow.local/payment-providr: no applied workload runs this image',
        'chart image orderflow.local/payment-provider: the Tiltfile does not build it',
        'k8s_resource orderflow-dev-order-api: port-forward to 8081, which no container of orderflow-dev-order-api exposes (8080)',
      ]),
    );
  });

  it('fails to evaluate a Tiltfile that reads a file that is not there', async () => {
    writeFileSync(broken, readFileSync(tiltfile, 'utf8').replace("app['dir'] + '/Dockerfile'", "app['dir'] + '/Dockerfile.missing'"));
    await expect(tiltCalls(broken, helm)).rejects.toThrow(/read_file: .*Dockerfile\.missing/);
  });
});
