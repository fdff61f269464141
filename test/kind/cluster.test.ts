import { describe, expect, it } from 'vitest';
import { command, isReady, kindSetting, kubectlJson, podsOf } from './kind-env.ts';

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

  it.each([
    ['orderflow', 'order-api'],
    ['orderflow', 'payment-worker'],
    ['orderflow', 'payment-provider'],
    ['orderflow-system', 'orderflow-operator'],
  ])('runs %s/%s as a Ready Pod from an image built here, as a non-root user', async (namespace, app) => {
    const pods = (await podsOf(namespace, app)).filter(isReady);
    expect(pods.length).toBeGreaterThan(0);
    const image = pods[0]!.spec.containers[0]!.image;
    expect(image).toMatch(/^orderflow\.local\/[a-z-]+:[0-9a-f]{12}$/);
    const deployment = await kubectlJson<{ spec: { template: { spec: { securityContext?: { runAsNonRoot?: boolean } } } } }>(
      'get', 'deployment', '-n', namespace, app,
    );
    expect(deployment.spec.template.spec.securityContext?.runAsNonRoot).toBe(true);
  });
});
