import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, DEV_INFRA, isReady, kindSetting, kubectl, kubectlJson, type Pod, repoRoot } from './kind-env.ts';

// The platform installed by its charts on the shared kind cluster (docs/chart.md, "End to end on
// kind"): charts/orderflow-dev-infra and charts/orderflow as releases in their own namespaces, so
// they never touch `hack/kind/kind up`'s release (orderflow) and infrastructure (orderflow-infra).
// Images are hack/kind's builds (tagged by content, loaded into the node).

const INFRA_NS = 'orderflow-e2e-infra';
const NS = 'orderflow-e2e';
const INFRA_RELEASE = 'e2e-infra';
const RELEASE = 'e2e';
const FULLNAME = `${RELEASE}-orderflow`;
const WORKER_SELECTOR = 'orderflow.dev/pipeline=checkout,orderflow.dev/consumer=payment-worker';
const MINUTE = 60_000;

/** Figures printed at the end (docs/chart.md). */
const figures: Record<string, string> = {};

function helm(args: string[], timeoutMs = 10 * MINUTE): Promise<string> {
  return command(helmPath, ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--kube-context', kindSetting('KIND_CONTEXT'), ...args], timeoutMs);
}

let helmPath = '';
let images: Record<string, string> = {};

/** Runs bash lines with hack/kind's libraries sourced (as hack/kind/kind does); returns stdout. */
function withKindLib(lines: string[], timeoutMs = 15 * MINUTE): Promise<string> {
  const script = ['set -euo pipefail', 'source hack/kind/lib/common.sh', 'for lib in docker rootfs tools images node-image cluster deploy; do source "hack/kind/lib/$lib.sh"; done', ...lines].join('\n');
  return command('bash', ['-c', `cd ${repoRoot} && ${script}`], timeoutMs);
}

/** hack/kind's image builds (an unchanged app keeps its content tag), loaded into the node. */
async function buildImages(): Promise<Record<string, string>> {
  const out = await withKindLib([
    'node_base_images >&2',
    'app_images >&2',
    'for n in "${INFRA[@]}"; do echo "INFRA_${n}=$(infra_image "$n")"; done',
    'env | grep "^IMAGE_"',
  ]);
  const found: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) found[line.slice(0, eq)] = line.slice(eq + 1);
  }
  await withKindLib([`load_images ${DEV_INFRA.map((n) => found[`INFRA_${n}`]).join(' ')} >&2`]);
  return found;
}

function tagOf(image: string | undefined): string {
  if (image === undefined) throw new Error('an app image was not built');
  return image.slice(image.lastIndexOf(':') + 1);
}

/** `--set` arguments of the orderflow release for one set of app image tags. */
function appSets(tags: AppTags): string[] {
  return [
    '-f', join(repoRoot, 'charts/orderflow/ci/dev-values.yaml'),
    // The CRD is the cluster's (hack/kind applies it server-side for every release on it).
    '--set', 'crds.install=false',
    // Only this release's operator reconciles this release's pipeline (and it watches only NS).
    '--set', 'operator.instance=e2e',
    '--set', `operator.watchNamespace=${NS}`,
    '--set', `rabbitmq.managementUrl=http://rabbitmq.${INFRA_NS}.svc:15672`,
    '--set', `kafka.brokers=kafka.${INFRA_NS}.svc.cluster.local:9092`,
    // The cluster's one external metrics APIService is `hack/kind/kind up`'s release's (its
    // autoscaling is proved by test/kind/autoscaling.test.ts); this release leaves it alone.
    '--set', 'externalMetrics.enabled=false',
    '--set', `tracing.otlpEndpoint=http://jaeger.${INFRA_NS}.svc:4318`,
    '--set-string', `operator.image.tag=${tags.operator}`,
    '--set-string', `orderApi.image.tag=${tags.orderApi}`,
    '--set-string', `paymentProvider.image.tag=${tags.provider}`,
    '--set-string', `pipeline.paymentWorker.image.tag=${tags.worker}`,
    '--set-string', `catalogApi.image.tag=${tags.catalog}`,
    '--set-string', `dashboard.image.tag=${tags.dashboard}`,
    '--set-string', `streamAggregator.image.tag=${tags.aggregator}`,
    '--set-string', `orderIndexer.image.tag=${tags.indexer}`,
  ];
}

/** A `kubectl port-forward` to a Service of NS; resolves with its local base URL. */
async function portForward(service: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(kindSetting('KUBECTL'), ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--context', kindSetting('KIND_CONTEXT'), 'port-forward', '-n', NS, `svc/${service}`, `:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const local = await waitFor(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1], { timeoutMs: MINUTE, what: `port-forward to ${service}: ${output}` });
  return { url: `http://127.0.0.1:${local}`, child };
}

let orderApi = '';
let provider = '';
let providerToken = '';
const forwards: ChildProcess[] = [];

async function connect(): Promise<void> {
  for (const f of forwards.splice(0)) f.kill();
  const api = await portForward(`${FULLNAME}-order-api`, 80);
  const prov = await portForward(`${FULLNAME}-payment-provider`, 80);
  forwards.push(api.child, prov.child);
  orderApi = api.url;
  provider = prov.url;
}

async function postOrder(customerId: string): Promise<string> {
  for (;;) {
    const res = await fetch(`${orderApi}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ customerId, region: 'eu', currency: 'EUR', items: [{ sku: 'chart-e2e', quantity: 1, unitPriceMinor: 1000 }] }),
    }).catch(() => undefined);
    if (res?.status === 201) return ((await res.json()) as { id: string }).id;
    // A port-forward breaks when the Pod behind it is replaced (helm upgrade): reconnect.
    if (res === undefined) await connect();
    else throw new Error(`POST /orders answered ${res.status}: ${await res.text()}`);
  }
}

async function postOrders(n: number, customerId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) ids.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => postOrder(customerId)))));
  return ids;
}

async function unpaid(ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const statuses = await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const res = await fetch(`${orderApi}/orders/${id}`);
        return res.ok ? ((await res.json()) as { status: string }).status : `HTTP ${res.status}`;
      }),
    );
    statuses.forEach((s, j) => s !== 'paid' && out.push(`${ids[i + j]}=${s}`));
  }
  return out;
}

async function waitAllPaid(ids: string[], timeoutMs: number): Promise<void> {
  let left: string[] = ids;
  await waitFor(
    async () => {
      left = await unpaid(left.map((l) => l.split('=')[0]!));
      return left.length === 0;
    },
    { timeoutMs, intervalMs: 2_000, what: `all ${ids.length} orders paid (${left.length} not: ${left.slice(0, 5).join(', ')})` },
  );
}

async function providerAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${provider}${path}`, {
    method,
    headers: { authorization: `Bearer ${providerToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function workerPods(): Promise<Pod[]> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', NS, '-l', WORKER_SELECTOR)).items;
}

async function secretValue(namespace: string, name: string, key: string): Promise<string> {
  const s = await kubectlJson<{ data: Record<string, string> }>('get', 'secret', '-n', namespace, name);
  return Buffer.from(s.data[key] ?? '', 'base64').toString();
}

describe.sequential('orderflow installed by its charts on kind', () => {
  beforeAll(async () => {
    helmPath = (await command('bash', [join(repoRoot, 'hack/stack'), 'env'])).split('\n').find((l) => l.startsWith('HELM='))?.slice(5) ?? '';
    if (helmPath === '') throw new Error('no HELM in hack/stack env');
    images = await buildImages();
    // A leftover of an interrupted run is removed first (namespaces, releases and pipeline).
    for (const [release, ns] of [[RELEASE, NS], [INFRA_RELEASE, INFRA_NS]] as const) await helm(['uninstall', release, '-n', ns, '--wait', '--ignore-not-found']).catch(() => '');
    await kubectl('delete', 'namespace', NS, INFRA_NS, '--ignore-not-found', '--wait=true', '--timeout=300s');
    await kubectl('create', 'namespace', NS);
    await kubectl('create', 'namespace', INFRA_NS);
  }, 30 * MINUTE);

  afterAll(() => {
    for (const f of forwards) f.kill();
    console.log('chart e2e figures', JSON.stringify(figures, null, 2));
  });

  it('helm install: dev infrastructure, then orderflow, to all Pods Ready', async () => {
    const t0 = Date.now();
    await helm(['install', INFRA_RELEASE, join(repoRoot, 'charts/orderflow-dev-infra'), '-n', INFRA_NS, '--wait', '--timeout', '10m',
      // A second copy of the infrastructure on the shared 2-core node: small CPU requests.
      ...DEV_INFRA.flatMap((n) => ['--set', `images.${n}=${images[`INFRA_${n}`]}`, '--set', `cpuRequests.${n}=10m`]),
      '--set-json', `connections.namespaces=["${NS}"]`]);
    figures.infraInstallToReadyS = ((Date.now() - t0) / 1000).toFixed(1);
    const t1 = Date.now();
    await helm(['install', RELEASE, join(repoRoot, 'charts/orderflow'), '-n', NS, '--wait', '--timeout', '10m', ...appSets(currentTags())]);
    await waitFor(async () => (await workerPods()).some(isReady), { timeoutMs: 5 * MINUTE, intervalMs: 1_000, what: 'the pipeline\'s payment-worker Pod Ready' });
    figures.orderflowInstallToReadyS = ((Date.now() - t1) / 1000).toFixed(1);
    providerToken = await secretValue(NS, 'orderflow-connections', 'provider-admin-token');
    await connect();
  }, 30 * MINUTE);

  it('helm test: an order goes through to paid', async () => {
    const out = await helm(['test', RELEASE, '-n', NS, '--timeout', '6m', '--logs']);
    expect(out).toMatch(/Phase:\s+Succeeded/);
    expect(out).toMatch(/is paid/);
  }, 10 * MINUTE);

  it('1,000 orders posted are all paid', async () => {
    const t0 = Date.now();
    const ids = await postOrders(1_000, `chart-e2e-${randomUUID()}`);
    await waitAllPaid(ids, 10 * MINUTE);
    figures.thousandOrdersPostedToPaidS = ((Date.now() - t0) / 1000).toFixed(1);
    expect(new Set(ids).size).toBe(1_000);
  }, 15 * MINUTE);

  it('a worker Pod killed mid-batch loses nothing and charges nothing twice', async () => {
    // A slower provider keeps batches in flight long enough to kill a Pod inside one. Orders
    // are posted until after the kill: posted all at once beforehand, a loaded node (slow
    // posting, load average 80) let the worker pay all 600 before it was deleted.
    await providerAdmin('PUT', '/admin/faults', { latencyMs: 500 });
    const customer = `chart-e2e-kill-${randomUUID()}`;
    const ids: string[] = [];
    let posting = true;
    const poster = (async () => {
      while (posting && ids.length < 1_200) ids.push(...(await postOrders(50, customer)));
    })();
    try {
      const victim = await waitFor(async () => (await workerPods()).find(isReady), { timeoutMs: MINUTE, what: 'a Ready worker' });
      await waitFor(async () => ids.length >= 50 && (await unpaid(ids.slice(0, 50))).length < 50, {
        timeoutMs: 2 * MINUTE,
        intervalMs: 250,
        what: 'the first orders of the batch paid',
      });
      // Deleted as Kubernetes deletes a Pod (SIGTERM, then the grace period), mid-batch.
      await kubectl('delete', 'pod', '-n', NS, victim.metadata.name, '--wait=false');
    } finally {
      posting = false;
      await poster;
    }
    try {
      // The newest first: those are the ones still in flight.
      const left = (await unpaid([...ids].reverse())).length;
      figures.killedWithUnpaid = `${left} of ${ids.length}`;
      expect(left, 'orders still unpaid when the worker was deleted').toBeGreaterThan(0);
      await providerAdmin('PUT', '/admin/faults', { latencyMs: 0 });
      await waitAllPaid(ids, 10 * MINUTE);
      const counts = await providerAdmin<{ byKey: Record<string, number> }>('GET', '/admin/charge-requests');
      const twice = ids.filter((id) => (counts.byKey[id] ?? 0) !== 1);
      figures.killedBatchOrders = String(ids.length);
      expect(twice.map((id) => `${id}: ${counts.byKey[id] ?? 0} charge requests`)).toEqual([]);
    } finally {
      await providerAdmin('PUT', '/admin/faults', { latencyMs: 0 }).catch(() => undefined);
    }
  }, 20 * MINUTE);

  it('helm upgrade to a new image rolls with no lost order', async () => {
    // A new tag of the same content, made in the node's containerd (Docker may have dropped
    // an older content tag meanwhile: hack/kind reload prunes them): a new image reference, so
    // order-api and payment-worker roll.
    const node = `${kindSetting('KIND_CLUSTER')}-control-plane`;
    const ctr = (...args: string[]): Promise<string> => command(kindSetting('DOCKER'), ['exec', node, 'ctr', '--namespace=k8s.io', 'images', ...args]);
    const inNode = (await ctr('list', '-q')).split('\n');
    const next = `e2e-${Date.now().toString(36)}`;
    const retagged: string[] = [];
    for (const name of ['IMAGE_ORDER_API', 'IMAGE_PAYMENT_WORKER']) {
      const image = images[name]!;
      const from = inNode.find((ref) => ref === image || ref === `docker.io/${image}`);
      if (from === undefined) throw new Error(`${image} is not in the kind node`);
      const to = `${from.slice(0, from.lastIndexOf(':'))}:${next}`;
      await ctr('tag', from, to);
      retagged.push(to);
    }
    const customer = `chart-e2e-upgrade-${randomUUID()}`;
    const ids = await postOrders(200, customer);
    const upgrade = helm(['upgrade', RELEASE, join(repoRoot, 'charts/orderflow'), '-n', NS, '--wait', '--timeout', '10m', ...appSets({ ...currentTags(), orderApi: next, worker: next })]);
    // Orders keep coming while the Deployments roll.
    while (!(await Promise.race([upgrade.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 500))]))) ids.push(...(await postOrders(20, customer)));
    await waitFor(async () => (await workerPods()).filter(isReady).every((p) => p.spec.containers[0]!.image.endsWith(`:${next}`)) || undefined, { timeoutMs: 5 * MINUTE, intervalMs: 1_000, what: 'payment-worker rolled to the new image' });
    for (const f of forwards.splice(0)) f.kill();
    await connect();
    await waitAllPaid(ids, 10 * MINUTE);
    await ctr('rm', ...retagged).catch(() => '');
  }, 30 * MINUTE);

  it('helm uninstall and namespace deletion finish (no stuck finalizer)', async () => {
    for (const f of forwards.splice(0)) f.kill();
    const t0 = Date.now();
    await helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '5m']);
    await kubectl('delete', 'namespace', NS, '--wait=true', '--timeout=300s');
    await helm(['uninstall', INFRA_RELEASE, '-n', INFRA_NS, '--wait', '--timeout', '5m']);
    await kubectl('delete', 'namespace', INFRA_NS, '--wait=true', '--timeout=300s');
    figures.uninstallS = ((Date.now() - t0) / 1000).toFixed(1);
    expect(await kubectl('get', 'namespace', NS, INFRA_NS, '--ignore-not-found', '-o', 'name')).toBe('');
  }, 15 * MINUTE);
});

/** The image tags of the apps the dev values run. */
interface AppTags {
  operator: string;
  orderApi: string;
  provider: string;
  worker: string;
  catalog: string;
  dashboard: string;
  aggregator: string;
  indexer: string;
}

function currentTags(): AppTags {
  return {
    operator: tagOf(images.IMAGE_OPERATOR),
    orderApi: tagOf(images.IMAGE_ORDER_API),
    provider: tagOf(images.IMAGE_PAYMENT_PROVIDER),
    worker: tagOf(images.IMAGE_PAYMENT_WORKER),
    catalog: tagOf(images.IMAGE_CATALOG_API),
    dashboard: tagOf(images.IMAGE_DASHBOARD),
    aggregator: tagOf(images.IMAGE_STREAM_AGGREGATOR),
    indexer: tagOf(images.IMAGE_ORDER_INDEXER),
  };
}
