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
    const builds = calls.filter((c) => c.fn === 'docker_build');
    // Every app image hack/kind builds (its APPS list) is built by the Tiltfile, from the one
    // app Dockerfile, with the app's workspace as a build argument.
    const kindApps = /^APPS=\(([^)]*)\)/m.exec(readFileSync(join(repoRoot, 'hack/kind/lib/images.sh'), 'utf8'))![1]!.trim().split(/\s+/);
    expect(kindApps.length).toBeGreaterThan(3);
    expect(builds.map((c) => c.args[0]).sort()).toEqual(kindApps.map((a) => `orderflow.local/${a}`).sort());
    for (const b of builds) {
      const args = b.kwargs.build_args as Record<string, string>;
      expect(args.APP).toBe(String(b.args[0]).split('/').pop());
      expect(existsSync(join(repoRoot, args.WORKSPACE!, 'package.json'))).toBe(true);
    }
    // Every Node workspace with a main.ts is an image; no per-app Dockerfile is left beside it.
    const workspaces = [...readdirSync(join(repoRoot, 'apps')).map((a) => join('apps', a)), 'operator'];
    expect(workspaces.filter((dir) => existsSync(join(repoRoot, dir, 'src/main.ts'))).sort()).toEqual(builds.map((b) => (b.kwargs.build_args as Record<string, string>).WORKSPACE).sort());
    expect(workspaces.filter((dir) => existsSync(join(repoRoot, dir, 'Dockerfile')))).toEqual([]);
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

  it('reports an image built for a workspace that is not there', async () => {
    writeFileSync(broken, readFileSync(tiltfile, 'utf8').replace("'dir': 'apps/order-api'", "'dir': 'apps/order-apii'"));
    const problems = await tiltfileProblems(await tiltCalls(broken, helm), broken, helm, KIND_CONTEXT);
    expect(problems).toEqual(expect.arrayContaining(['docker_build orderflow.local/order-api: COPY apps/order-apii, which the context does not have']));
  });

  it('fails to evaluate a Tiltfile that reads a file that is not there', async () => {
    writeFileSync(broken, readFileSync(tiltfile, 'utf8').replace("APP_DOCKERFILE = 'docker/node-app.Dockerfile'", "APP_DOCKERFILE = 'docker/node-app.Dockerfile.missing'"));
    await expect(tiltCalls(broken, helm)).rejects.toThrow(/read_file: .*Dockerfile\.missing/);
  });
});
