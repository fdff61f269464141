import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command, isReady, kindEnvPath, kindSetting, kubectlJson, parseKindEnv, platformPods, platformWorkload, podsOf, repoRoot, type Workload } from './kind-env.ts';

// The platform on the local kind cluster that `hack/kind/kind up` builds (docs/kind.md).
describe('kind cluster', () => {
  it('runs on a Docker engine, with the cluster known to kind', async () => {
    const server = await command(kindSetting('DOCKER'), ['version', '--format', '{{.Server.Version}}']);
    expect(server.trim()).toMatch(/^\d+\.\d+/);
    const clusters = await command(kindSetting('KIND'), ['get', 'clusters'], 30_000);
    expect(clusters.split('\n')).toContain(kindSetting('KIND_CLUSTER'));
  });

  it('has a Ready node running the pinned Kubernetes', async () => {
    const nodes = await kubectlJson<{
      items: { status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } } }[];
    }>('get', 'nodes');
    expect(nodes.items.length).toBeGreaterThan(0);
    for (const node of nodes.items) {
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.status.nodeInfo.kubeletVersion).toMatch(/^v1\.\d+\.\d+$/);
    }
  });

  it.each(['postgres', 'redis', 'rabbitmq', 'kafka', 'prometheus'])('runs %s as a Ready StatefulSet Pod on a bound volume', async (app) => {
    const pods = await podsOf('orderflow-infra', app);
    expect(pods.map((p) => p.metadata.name)).toEqual([`${app}-0`]);
    expect(isReady(pods[0]!)).toBe(true);
    const claim = await kubectlJson<{ status: { phase: string } }>('get', 'pvc', '-n', 'orderflow-infra', `data-${app}-0`);
    expect(claim.status.phase).toBe('Bound');
  });

  it.each<Workload>(['operator', 'order-api', 'payment-provider', 'payment-worker', 'catalog-api', 'dashboard', 'stream-aggregator'])(
    'runs %s of the Helm release as a Ready Pod from an image built here, as a non-root user',
    async (workload) => {
      const pods = (await platformPods(workload)).filter(isReady);
      expect(pods.length).toBeGreaterThan(0);
      const image = pods[0]!.spec.containers[0]!.image;
      expect(image).toMatch(/^orderflow\.local\/[a-z-]+:[0-9a-f]{12}$/);
      const { namespace, name } = platformWorkload(workload);
      const deployment = await kubectlJson<{ spec: { template: { spec: { securityContext?: { runAsNonRoot?: boolean } } } } }>('get', 'deployment', '-n', namespace, name);
      expect(deployment.spec.template.spec.securityContext?.runAsNonRoot).toBe(true);
    },
  );

  it('installs the platform as the Helm release of charts/orderflow, deployed, with the kind values', async () => {
    const helm = (await command('bash', [join(repoRoot, 'hack/stack'), 'env'])).split('\n').find((l) => l.startsWith('HELM='))?.slice(5);
    if (helm === undefined || helm === '') throw new Error('no HELM in hack/stack env');
    const ns = kindSetting('KIND_NAMESPACE');
    const releases = JSON.parse(
      await command(helm, ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--kube-context', kindSetting('KIND_CONTEXT'), 'list', '-n', ns, '-o', 'json']),
    ) as { name: string; chart: string; status: string }[];
    const release = releases.find((r) => r.name === kindSetting('KIND_RELEASE'));
    expect(release?.status).toBe('deployed');
    expect(release?.chart).toMatch(/^orderflow-\d+\.\d+\.\d+/);
    // order-api's NodePort is the chart's value (kind-config.yaml maps it to the host).
    const service = await kubectlJson<{ spec: { type: string; ports: { nodePort?: number }[] } }>('get', 'service', '-n', ns, platformWorkload('order-api').name);
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports[0]!.nodePort).toBe(30080);
    // The release owns the cluster's one external metrics APIService, and it is Available.
    const api = await kubectlJson<{ metadata: { annotations?: Record<string, string> }; status: { conditions?: { type: string; status: string }[] } }>(
      'get', 'apiservice', 'v1beta1.external.metrics.k8s.io',
    );
    expect(api.metadata.annotations?.['meta.helm.sh/release-namespace']).toBe(ns);
    expect(api.metadata.annotations?.['meta.helm.sh/release-name']).toBe(kindSetting('KIND_RELEASE'));
    expect(api.status.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  });

  it('hack/kind/kind env prints settings that bash sources to the values the tests read', async () => {
    const script = `source <(bash ${join(repoRoot, 'hack/kind/kind')} env) && printf '%s\\n' "$KIND_RELOAD" "$KIND_KUBECONFIG"`;
    const [reload, kubeconfig] = (await command('bash', ['-c', script])).split('\n');
    // KIND_RELOAD is a command with an argument: one value with a space.
    expect(reload).toMatch(/\/hack\/kind\/kind reload$/);
    const parsed = parseKindEnv(readFileSync(kindEnvPath(), 'utf8'));
    expect(parsed.KIND_RELOAD).toBe(reload);
    expect(parsed.KIND_KUBECONFIG).toBe(kubeconfig);
  });
});
