import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, DEV_INFRA, isReady, kindSetting, kubectl, kubectlJson, type Pod, repoRoot } from './kind-env.ts';
import { portForward, type PortForward } from './port-forward.ts';

// Issue 13 on kind: OpenSearch in the development infrastructure (charts/orderflow-dev-infra) and
// the order indexer run by the operator as a consumer of the chart's default OrderPipeline. Both
// charts are installed as private releases in their own namespaces (beside what hack/kind/kind up
// and the chart e2e test deploy); an order posted to the in-cluster order-api must become
// searchable through the in-cluster indexer's search API, and OpenSearch must refuse anonymous
// access. Figures (image sizes, OpenSearch's start to Ready) are printed at the end.

const INFRA_NS = 'h3-infra';
const NS = 'h3';
const INFRA_RELEASE = 'h3-infra';
const RELEASE = 'h3';
const FULLNAME = `${RELEASE}-orderflow`;
const INDEXER_SELECTOR = 'orderflow.dev/pipeline=checkout,orderflow.dev/consumer=order-indexer';
const MINUTE = 60_000;
const INFRA = DEV_INFRA;
const APPS = ['operator', 'order-api', 'payment-provider', 'payment-worker', 'stream-aggregator', 'order-indexer'];

const figures: Record<string, string> = {};
let helmPath = '';
let images: Record<string, string> = {};
const forwards: PortForward[] = [];

function helm(args: string[], timeoutMs = 10 * MINUTE): Promise<string> {
  return command(helmPath, ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--kube-context', kindSetting('KIND_CONTEXT'), ...args], timeoutMs);
}

/** Runs bash lines with hack/kind's libraries sourced (as hack/kind/kind does); returns stdout. */
function withKindLib(lines: string[], timeoutMs = 20 * MINUTE): Promise<string> {
  const script = ['set -euo pipefail', 'source hack/kind/lib/common.sh', 'for lib in docker rootfs tools images node-image cluster deploy; do source "hack/kind/lib/$lib.sh"; done', ...lines].join('\n');
  return command('bash', ['-c', `cd ${repoRoot} && ${script}`], timeoutMs);
}

/**
 * hack/kind's builds of the images these releases run (tagged by content), loaded into the node
 * at once: another checkout's build may drop an older content tag of the same repository.
 */
async function buildImages(): Promise<Record<string, string>> {
  const out = await withKindLib([
    'node_base_images >&2',
    'refs=()',
    `for n in ${APPS.join(' ')}; do ref="$(app_image "$n")"; refs+=("$ref"); echo "APP_$n=$ref"; done`,
    `for n in ${INFRA.join(' ')}; do ref="$(infra_image "$n")"; refs+=("$ref"); echo "INFRA_$n=$ref"; done`,
    'load_images "${refs[@]}" >&2',
  ]);
  const found: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) found[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return found;
}

function image(key: string): string {
  const ref = images[key];
  if (ref === undefined || ref === '') throw new Error(`${key}: no image was built`);
  return ref;
}
const tag = (key: string): string => image(key).slice(image(key).lastIndexOf(':') + 1);

async function imageSizeMb(ref: string): Promise<string> {
  return (Number(await command(kindSetting('DOCKER'), ['image', 'inspect', '-f', '{{.Size}}', ref])) / 1e6).toFixed(0);
}

async function secretValue(namespace: string, name: string, key: string): Promise<string> {
  const s = await kubectlJson<{ data: Record<string, string> }>('get', 'secret', '-n', namespace, name);
  return Buffer.from(s.data[key] ?? '', 'base64').toString();
}

async function indexerPods(): Promise<Pod[]> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', NS, '-l', INDEXER_SELECTOR)).items;
}

/** Seconds from a Pod's creation to its Ready condition (the kubelet's own timestamps). */
async function secondsToReady(namespace: string, pod: string): Promise<string> {
  const p = await kubectlJson<{ metadata: { creationTimestamp: string }; status: { conditions: { type: string; lastTransitionTime: string }[] } }>('get', 'pod', '-n', namespace, pod);
  const ready = p.status.conditions.find((c) => c.type === 'Ready')!.lastTransitionTime;
  return ((Date.parse(ready) - Date.parse(p.metadata.creationTimestamp)) / 1000).toFixed(0);
}

async function cleanUp(): Promise<void> {
  // The orderflow release first: its pre-delete hook deletes the pipeline while the operator runs.
  await helm(['uninstall', RELEASE, '-n', NS, '--wait', '--ignore-not-found', '--timeout', '5m']).catch(() => '');
  await helm(['uninstall', INFRA_RELEASE, '-n', INFRA_NS, '--wait', '--ignore-not-found', '--timeout', '5m']).catch(() => '');
  await kubectl('delete', 'namespace', NS, INFRA_NS, '--ignore-not-found', '--wait=true', '--timeout=300s');
}

describe.sequential('OpenSearch and the order indexer installed by the charts on kind', () => {
  let orderApi: PortForward;
  let search: PortForward;

  beforeAll(async () => {
    helmPath = (await command('bash', [join(repoRoot, 'hack/stack'), 'env'])).split('\n').find((l) => l.startsWith('HELM='))?.slice(5) ?? '';
    if (helmPath === '') throw new Error('no HELM in hack/stack env');
    images = await buildImages();
    await cleanUp();
    await kubectl('create', 'namespace', NS);
    await kubectl('create', 'namespace', INFRA_NS);
    // The releases' Pods meet the "restricted" profile: enforced as production would.
    await kubectl('label', '--overwrite', 'namespace', NS, INFRA_NS, 'pod-security.kubernetes.io/warn=restricted');
    await kubectl('label', '--overwrite', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted');
  }, 40 * MINUTE);

  afterAll(async () => {
    for (const f of forwards) f.close();
    console.log('indexer on kind figures', JSON.stringify(figures, null, 2));
    await cleanUp();
  }, 15 * MINUTE);

  it('the dev infrastructure with OpenSearch installs and becomes Ready; OpenSearch refuses anonymous access', async () => {
    const t0 = Date.now();
    await helm(['install', INFRA_RELEASE, join(repoRoot, 'charts/orderflow-dev-infra'), '-n', INFRA_NS, '--wait', '--timeout', '15m',
      // A further copy of the infrastructure on the shared 2-core node: small CPU requests.
      ...INFRA.flatMap((n) => ['--set', `images.${n}=${image(`INFRA_${n}`)}`, '--set', `cpuRequests.${n}=10m`]),
      '--set-json', `connections.namespaces=["${NS}"]`], 20 * MINUTE);
    figures.infraInstallToReadyS = ((Date.now() - t0) / 1000).toFixed(1);
    figures.opensearchPodCreatedToReadyS = await secondsToReady(INFRA_NS, 'opensearch-0');
    figures.opensearchImageMb = await imageSizeMb(image('INFRA_opensearch'));
    figures.orderIndexerImageMb = await imageSizeMb(image('APP_order-indexer'));

    // The connections Secret of the apps' namespace carries OpenSearch's URL and credentials.
    const url = await secretValue(NS, 'orderflow-connections', 'opensearch-url');
    expect(url).toBe(`http://opensearch.${INFRA_NS}.svc.cluster.local:9200`);
    const user = await secretValue(NS, 'orderflow-connections', 'opensearch-username');
    const password = await secretValue(NS, 'orderflow-connections', 'opensearch-password');
    expect(password).toBe(await secretValue(INFRA_NS, 'credentials', 'opensearch-password'));
    expect(password.length).toBeGreaterThanOrEqual(32);

    const os = await portForward(INFRA_NS, 'opensearch', 9200);
    forwards.push(os);
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const wrong = `Basic ${Buffer.from(`${user}:not-${password}`).toString('base64')}`;
    // Anonymous: nothing read or written; only the probes' health endpoint answers.
    expect((await fetch(`${os.url}/_cat/indices`)).status).toBe(401);
    expect((await fetch(`${os.url}/anonymous-writes/_doc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).status).toBe(401);
    expect((await fetch(`${os.url}/_cluster/health`, { headers: { authorization: wrong } })).status).toBe(200);
    expect((await fetch(`${os.url}/_cat/indices`, { headers: { authorization: wrong } })).status).toBe(401);
    const health = await fetch(`${os.url}/_cluster/health`);
    expect(((await health.json()) as { status: string }).status).toMatch(/green|yellow/);
    const exists = await fetch(`${os.url}/anonymous-writes`, { method: 'HEAD', headers: { authorization: basic } });
    expect(exists.status).toBe(404);
    const root = await fetch(`${os.url}/`, { headers: { authorization: basic } });
    expect(root.status).toBe(200);
    figures.opensearchVersion = ((await root.json()) as { version: { number: string } }).version.number;
  }, 25 * MINUTE);

  it('orderflow with the indexer enabled: the operator runs the indexer from the pipeline, Ready with OpenSearch', async () => {
    const t0 = Date.now();
    await helm(['install', RELEASE, join(repoRoot, 'charts/orderflow'), '-n', NS, '--wait', '--timeout', '10m',
      '-f', join(repoRoot, 'charts/orderflow/ci/dev-values.yaml'),
      // The CRD and the cluster-wide external metrics belong to hack/kind's deployment.
      '--set', 'crds.install=false',
      '--set', 'externalMetrics.enabled=false',
      '--set', `operator.instance=${RELEASE}`,
      '--set', `operator.watchNamespace=${NS}`,
      '--set', `rabbitmq.managementUrl=http://rabbitmq.${INFRA_NS}.svc:15672`,
      '--set', `kafka.brokers=kafka.${INFRA_NS}.svc.cluster.local:9092`,
      '--set', `tracing.otlpEndpoint=http://jaeger.${INFRA_NS}.svc:4318`,
      // order-api's outbox to Kafka: the order events the indexer reads.
      '--set-string', 'orderApi.env.KAFKA_PUBLISH_ENABLED=true',
      '--set', `orderApi.env.KAFKA_BROKERS=kafka.${INFRA_NS}.svc.cluster.local:9092`,
      // Not part of what this test proves; the node has 2 cores.
      '--set', 'catalogApi.enabled=false',
      '--set', 'dashboard.enabled=false',
      '--set-string', `operator.image.tag=${tag('APP_operator')}`,
      '--set-string', `orderApi.image.tag=${tag('APP_order-api')}`,
      '--set-string', `paymentProvider.image.tag=${tag('APP_payment-provider')}`,
      '--set-string', `pipeline.paymentWorker.image.tag=${tag('APP_payment-worker')}`,
      '--set-string', `streamAggregator.image.tag=${tag('APP_stream-aggregator')}`,
      '--set-string', `orderIndexer.image.tag=${tag('APP_order-indexer')}`]);
    const pod = await waitFor(async () => (await indexerPods()).find(isReady), { timeoutMs: 10 * MINUTE, intervalMs: 2_000, what: 'the operator\'s order-indexer Pod Ready' });
    figures.orderflowInstallToIndexerReadyS = ((Date.now() - t0) / 1000).toFixed(1);
    expect(pod.spec.containers[0]!.image).toBe(image('APP_order-indexer'));
    // The Deployment is the operator's (owned by the pipeline), not Helm's.
    const deployment = await kubectlJson<{ metadata: { ownerReferences: { kind: string; name: string }[] } }>('get', 'deployment', '-n', NS, 'checkout-order-indexer');
    expect(deployment.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'OrderPipeline', name: 'checkout' })]);
    orderApi = await portForward(NS, `${FULLNAME}-order-api`, 80);
    search = await portForward(NS, `${FULLNAME}-order-indexer`, 80);
    forwards.push(orderApi, search);
  }, 25 * MINUTE);

  it('an order posted to order-api becomes searchable through the indexer\'s search API', async () => {
    const customerId = `h3-kind-${randomUUID()}`;
    const sku = `kind-search-${randomUUID().slice(0, 8)}`;
    const t0 = Date.now();
    const res = await fetch(`${orderApi.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ customerId, region: 'eu', currency: 'EUR', items: [{ sku, quantity: 2, unitPriceMinor: 1250 }] }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    type Found = { total: number; orders: { orderId: string; customerId: string; totalMinor: number; skus: string[] }[] };
    const found = await waitFor(
      async () => {
        const r = await fetch(`${search.url}/api/orders?customerId=${encodeURIComponent(customerId)}`);
        if (!r.ok) return undefined;
        const body = (await r.json()) as Found;
        return body.total > 0 ? body : undefined;
      },
      { timeoutMs: 3 * MINUTE, intervalMs: 500, what: `order ${id} searchable by customer` },
    );
    figures.postedToSearchableS = ((Date.now() - t0) / 1000).toFixed(1);
    expect(found.total).toBe(1);
    expect(found.orders[0]).toMatchObject({ orderId: id, customerId, totalMinor: 2500, skus: [sku] });
    // Free text on the SKU reaches the same order.
    const bySku = (await (await fetch(`${search.url}/api/orders?sku=${encodeURIComponent(sku)}`)).json()) as Found;
    expect(bySku.orders.map((o) => o.orderId)).toEqual([id]);
  }, 10 * MINUTE);

  it('the images: non-root numeric users, the indexer from the one app Dockerfile with its labels', async () => {
    const config = async (ref: string): Promise<{ User: string; Entrypoint: string[]; Labels: Record<string, string> | null; ExposedPorts: Record<string, unknown> }> =>
      JSON.parse(await command(kindSetting('DOCKER'), ['image', 'inspect', '-f', '{{json .Config}}', ref])) as never;
    const indexer = await config(image('APP_order-indexer'));
    expect(indexer.User).toBe('10001:10001');
    expect(indexer.Entrypoint).toEqual(['node', 'src/main.ts']);
    expect(indexer.Labels?.['org.opencontainers.image.title']).toBe('orderflow order-indexer');
    expect(indexer.Labels?.['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(Object.keys(indexer.ExposedPorts)).toEqual(['8086/tcp']);
    const opensearch = await config(image('INFRA_opensearch'));
    expect(opensearch.User).toBe('10004:10004');
    expect(opensearch.Entrypoint[0]).toBe('/opt/java/bin/java');
  });

  it('serves the analytics page and its data from the cluster', async () => {
    const page = await fetch(`${search.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('analytics.js');
    const funnel = await fetch(`${search.url}/api/analytics/status-funnel`);
    expect(funnel.status).toBe(200);
  });
});
