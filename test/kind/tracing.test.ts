import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, DEV_INFRA, isReady, kindSetting, kubectl, kubectlJson, type Pod, repoRoot } from './kind-env.ts';
import { type PortForward, portForward } from './port-forward.ts';

// Tracing and alerting on kind (issue 14): charts/orderflow-dev-infra (its Jaeger and its
// Prometheus with orderflow's alert rules) and charts/orderflow with tracing on, as releases of
// their own namespaces (as test/kind/chart-e2e.test.ts installs them), so nothing `hack/kind/kind
// up` deployed is touched. One order posted with a known trace id must come back from the
// in-cluster Jaeger as one trace with spans from order-api, its RabbitMQ and Kafka relays,
// payment-worker, the payment provider and the stream aggregator, parent to child; the
// in-cluster Prometheus must list every alert rule of monitoring/alerts.

const INFRA_NS = 'orderflow-tracing-infra';
const NS = 'orderflow-tracing';
const INFRA_RELEASE = 'tracing-infra';
const RELEASE = 'tracing';
const FULLNAME = `${RELEASE}-orderflow`;
const INFRA = DEV_INFRA;
const MINUTE = 60_000;

/** Figures printed at the end (docs/observability.md). */
const figures: Record<string, string> = {};

let helmPath = '';
const forwards: PortForward[] = [];

function helm(args: string[], timeoutMs = 10 * MINUTE): Promise<string> {
  return command(helmPath, ['--kubeconfig', kindSetting('KIND_KUBECONFIG'), '--kube-context', kindSetting('KIND_CONTEXT'), ...args], timeoutMs);
}

/** Runs bash lines with hack/kind's libraries sourced (as hack/kind/kind does); returns stdout. */
function withKindLib(lines: string[], timeoutMs = 20 * MINUTE): Promise<string> {
  const script = ['set -euo pipefail', 'source hack/kind/lib/common.sh', 'for lib in docker rootfs tools images node-image cluster deploy; do source "hack/kind/lib/$lib.sh"; done', ...lines].join('\n');
  return command('bash', ['-c', `cd ${repoRoot} && ${script}`], timeoutMs);
}

/** hack/kind's image builds (unchanged sources keep their content tags), loaded into the node. */
async function buildImages(): Promise<Record<string, string>> {
  const out = await withKindLib([
    'node_base_images >&2',
    'app_images >&2',
    'imgs=(); for n in "${INFRA[@]}"; do i="$(infra_image "$n")"; imgs+=("$i"); echo "INFRA_${n}=$i"; done',
    'load_images "${imgs[@]}" >&2',
    'env | grep "^IMAGE_"',
  ]);
  const found: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) found[line.slice(0, eq)] = line.slice(eq + 1);
  }
  for (const name of INFRA) if (found[`INFRA_${name}`] === undefined) throw new Error(`hack/kind/lib/images.sh INFRA has no ${name}`);
  return found;
}

function tagOf(image: string | undefined): string {
  if (image === undefined) throw new Error('an app image was not built');
  return image.slice(image.lastIndexOf(':') + 1);
}

/** A span as Jaeger's query API returns it (/api/traces/{id}). */
interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

async function getTrace(query: string, traceId: string): Promise<JaegerTrace | undefined> {
  const res = await fetch(`${query}/api/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /api/traces/${traceId} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: JaegerTrace[] }).data[0];
}

/** The alert names of monitoring/alerts/*.rules.yml (the one source of the rules). */
function sourceAlerts(): string[] {
  const dir = join(repoRoot, 'monitoring/alerts');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.rules.yml'))
    .flatMap((n) => [...readFileSync(join(dir, n), 'utf8').matchAll(/^\s*- alert: (\S+)/gm)].map((m) => m[1]!))
    .sort();
}

async function jaegerPod(): Promise<Pod | undefined> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', INFRA_NS, '-l', 'app=jaeger')).items[0];
}

describe.sequential('traces and alert rules on kind (dev-infra Jaeger and Prometheus)', () => {
  let images: Record<string, string> = {};
  let jaeger = '';

  beforeAll(async () => {
    helmPath = (await command('bash', [join(repoRoot, 'hack/stack'), 'env'])).split('\n').find((l) => l.startsWith('HELM='))?.slice(5) ?? '';
    if (helmPath === '') throw new Error('no HELM in hack/stack env');
    images = await buildImages();
    const size = await command(kindSetting('DOCKER'), ['image', 'inspect', '-f', '{{.Size}}', images.INFRA_jaeger!]);
    figures.jaegerImageMiB = (Number(size.trim()) / 2 ** 20).toFixed(1);
    // A leftover of an interrupted run goes first.
    for (const [release, ns] of [[RELEASE, NS], [INFRA_RELEASE, INFRA_NS]] as const) await helm(['uninstall', release, '-n', ns, '--wait', '--ignore-not-found']).catch(() => '');
    await kubectl('delete', 'namespace', NS, INFRA_NS, '--ignore-not-found', '--wait=true', '--timeout=300s');
    await kubectl('create', 'namespace', NS);
    await kubectl('create', 'namespace', INFRA_NS);
  }, 40 * MINUTE);

  afterAll(async () => {
    for (const f of forwards) f.close();
    console.log('tracing on kind figures', JSON.stringify(figures, null, 2));
    for (const [release, ns] of [[RELEASE, NS], [INFRA_RELEASE, INFRA_NS]] as const) await helm(['uninstall', release, '-n', ns, '--wait', '--timeout', '5m']).catch(() => '');
    await kubectl('delete', 'namespace', NS, INFRA_NS, '--ignore-not-found', '--wait=true', '--timeout=300s').catch(() => '');
  }, 15 * MINUTE);

  it('installs the dev infrastructure with Jaeger, and orderflow tracing to it', async () => {
    await helm(['install', INFRA_RELEASE, join(repoRoot, 'charts/orderflow-dev-infra'), '-n', INFRA_NS, '--wait', '--timeout', '10m',
      // A second copy of the infrastructure on the shared 2-core node: small CPU requests.
      ...INFRA.flatMap((n) => ['--set-string', `images.${n}=${images[`INFRA_${n}`]}`, '--set', `cpuRequests.${n}=10m`]),
      '--set-json', `connections.namespaces=["${NS}"]`]);
    const pod = await jaegerPod();
    const ready = pod?.status.conditions?.find((c) => c.type === 'Ready') as { lastTransitionTime?: string } | undefined;
    const started = pod?.status.containerStatuses?.[0] as { state?: { running?: { startedAt?: string } } } | undefined;
    if (ready?.lastTransitionTime !== undefined && started?.state?.running?.startedAt !== undefined) {
      figures.jaegerContainerStartToReadyS = String((Date.parse(ready.lastTransitionTime) - Date.parse(started.state.running.startedAt)) / 1000);
    }

    await helm(['install', RELEASE, join(repoRoot, 'charts/orderflow'), '-n', NS, '--wait', '--timeout', '10m',
      '-f', join(repoRoot, 'charts/orderflow/ci/dev-values.yaml'),
      // The CRD and its cluster-wide objects belong to hack/kind's deployment on this cluster.
      '--set', 'crds.install=false',
      '--set', 'operator.instance=tracing',
      '--set', `operator.watchNamespace=${NS}`,
      '--set', 'operator.replicas=1',
      '--set', 'externalMetrics.enabled=false',
      '--set', `rabbitmq.managementUrl=http://rabbitmq.${INFRA_NS}.svc:15672`,
      '--set', `kafka.brokers=kafka.${INFRA_NS}.svc.cluster.local:9092`,
      // Only what an order passes through: the payment, and the order events to the aggregator.
      '--set', 'catalogApi.enabled=false', '--set', 'dashboard.enabled=false', '--set', 'orderIndexer.enabled=false',
      '--set-string', 'orderApi.env.KAFKA_PUBLISH_ENABLED=true',
      '--set', `orderApi.env.KAFKA_BROKERS=kafka.${INFRA_NS}.svc.cluster.local:9092`,
      '--set', 'tracing.enabled=true',
      '--set', `tracing.otlpEndpoint=http://jaeger.${INFRA_NS}.svc:4318`,
      '--set', 'tracing.sampleRatio=1',
      '--set-string', `operator.image.tag=${tagOf(images.IMAGE_OPERATOR)}`,
      '--set-string', `orderApi.image.tag=${tagOf(images.IMAGE_ORDER_API)}`,
      '--set-string', `paymentProvider.image.tag=${tagOf(images.IMAGE_PAYMENT_PROVIDER)}`,
      '--set-string', `pipeline.paymentWorker.image.tag=${tagOf(images.IMAGE_PAYMENT_WORKER)}`,
      '--set-string', `streamAggregator.image.tag=${tagOf(images.IMAGE_STREAM_AGGREGATOR)}`]);
    const workerReady = await waitFor(
      async () => (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', NS, '-l', 'orderflow.dev/pipeline=checkout,orderflow.dev/consumer=payment-worker')).items.find(isReady),
      { timeoutMs: 5 * MINUTE, intervalMs: 1_000, what: "the pipeline's payment-worker Pod Ready" },
    );
    // The operator passed the pipeline's tracing settings on to the consumer it runs.
    const worker = await kubectlJson<{ spec: { containers: { env?: { name: string; value?: string }[] }[] } }>('get', 'pod', '-n', NS, workerReady.metadata.name);
    expect(worker.spec.containers[0]!.env).toEqual(expect.arrayContaining([
      { name: 'TRACING_SAMPLE_RATIO', value: '1' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://jaeger.${INFRA_NS}.svc:4318` },
    ]));
    const jaegerForward = await portForward(INFRA_NS, 'jaeger', 16686);
    forwards.push(jaegerForward);
    jaeger = jaegerForward.url;
  }, 30 * MINUTE);

  it('one order posted is one trace in Jaeger: order-api, both relays, payment-worker, the provider and the aggregator, parent to child', async () => {
    const api = await portForward(NS, `${FULLNAME}-order-api`, 80);
    forwards.push(api);
    // The caller's trace context: order-api continues it, so the trace id is known up front.
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const t0 = Date.now();
    const res = await fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ customerId: `tracing-${randomUUID()}`, region: 'eu', currency: 'EUR', items: [{ sku: 'tracing', quantity: 1, unitPriceMinor: 1000 }] }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => ((await (await fetch(`${api.url}/orders/${id}`)).json()) as { status: string }).status === 'paid', {
      timeoutMs: 3 * MINUTE, intervalMs: 500, what: `order ${id} paid`,
    });

    const wanted = ['order-api', 'payment-worker', 'payment-provider', 'stream-aggregator'];
    const trace = await waitFor(async () => {
      const t = await getTrace(jaeger, traceId);
      const services = new Set(Object.values(t?.processes ?? {}).map((p) => p.serviceName));
      // The worker's consume span ends after the provider's; the aggregator's with its transaction.
      const ended = (svc: string, kind: string): boolean => t?.spans.some((s) => t.processes[s.processID]?.serviceName === svc && tag(s, 'span.kind') === kind) ?? false;
      return t !== undefined && wanted.every((s) => services.has(s)) && ended('payment-worker', 'consumer') && ended('payment-provider', 'server') ? t : undefined;
    }, { timeoutMs: 2 * MINUTE, intervalMs: 500, what: `trace ${traceId} with spans of ${wanted.join(', ')} in Jaeger` });
    figures.postedToCompleteTraceS = ((Date.now() - t0) / 1000).toFixed(1);

    const service = (s: JaegerSpan): string => trace.processes[s.processID]!.serviceName;
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const parentOf = (s: JaegerSpan): string | undefined => s.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    // Every span hangs off another span of this trace, or off the caller's span: nothing is cut.
    for (const s of trace.spans) {
      const parent = parentOf(s);
      expect(parent === callerSpan || (parent !== undefined && byId.has(parent)), `${service(s)} ${s.operationName} has its parent in the trace`).toBe(true);
      expect(s.references.every((r) => r.traceID === traceId)).toBe(true);
    }
    const ancestors = (s: JaegerSpan): JaegerSpan[] => {
      const out: JaegerSpan[] = [];
      for (let p = byId.get(parentOf(s) ?? ''); p !== undefined; p = byId.get(parentOf(p) ?? '')) out.push(p);
      return out;
    };
    const one = (what: string, match: (s: JaegerSpan) => boolean): JaegerSpan => {
      const found = trace.spans.filter(match);
      expect(found.map((s) => `${service(s)} ${s.operationName}`), what).toHaveLength(1);
      return found[0]!;
    };

    const request = one('order-api server span of POST /orders', (s) => service(s) === 'order-api' && tag(s, 'span.kind') === 'server');
    expect(parentOf(request)).toBe(callerSpan);
    const publish = one('the relay publish span', (s) => service(s) === 'order-api' && tag(s, 'messaging.system') === 'rabbitmq' && tag(s, 'span.kind') === 'producer');
    expect(publish.operationName).toBe('publish orders');
    const consume = one('payment-worker consume span', (s) => service(s) === 'payment-worker' && tag(s, 'span.kind') === 'consumer');
    expect(consume.operationName).toBe('consume payments');
    const providerCall = one('payment-worker call to the provider', (s) => service(s) === 'payment-worker' && tag(s, 'span.kind') === 'client' && String(tag(s, 'url.full')).includes('/charges'));
    const charge = one('payment-provider server span', (s) => service(s) === 'payment-provider' && tag(s, 'span.kind') === 'server');
    const kafkaSend = one('the Kafka relay send span', (s) => service(s) === 'order-api' && tag(s, 'messaging.system') === 'kafka' && tag(s, 'span.kind') === 'producer');
    expect(kafkaSend.operationName).toBe('send order-events');
    const aggregate = one('stream-aggregator process span', (s) => service(s) === 'stream-aggregator' && tag(s, 'span.kind') === 'consumer');
    expect(aggregate.operationName).toBe('process order-events');
    // request -> publish -> consume -> provider call -> provider; request -> send -> aggregator.
    expect(ancestors(publish).map((s) => s.spanID)).toContain(request.spanID);
    expect(ancestors(consume).map((s) => s.spanID)).toContain(publish.spanID);
    expect(ancestors(providerCall).map((s) => s.spanID)).toContain(consume.spanID);
    expect(parentOf(charge)).toBe(providerCall.spanID);
    expect(ancestors(kafkaSend).map((s) => s.spanID)).toContain(request.spanID);
    expect(parentOf(aggregate)).toBe(kafkaSend.spanID);
    figures.spansInTrace = String(trace.spans.length);
  }, 10 * MINUTE);

  it('the in-cluster Prometheus loads every alert rule of monitoring/alerts and evaluates them', async () => {
    const prometheus = await portForward(INFRA_NS, 'prometheus', 9090);
    forwards.push(prometheus);
    const alerts = sourceAlerts();
    expect(alerts.length).toBeGreaterThan(0);
    interface Rule { type: string; name: string; health: string; lastError?: string; lastEvaluation: string }
    const rules = await waitFor(async () => {
      const res = await fetch(`${prometheus.url}/api/v1/rules?type=alert`);
      const body = (await res.json()) as { data: { groups: { rules: Rule[] }[] } };
      const all = body.data.groups.flatMap((g) => g.rules);
      // Listed, and each evaluated at least once (rule_files are read at start; 5 s evaluation interval).
      return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001-')) ? all : undefined;
    }, { timeoutMs: 2 * MINUTE, intervalMs: 1_000, what: 'Prometheus to list and evaluate the alert rules' });
    expect(rules.map((r) => r.name).sort()).toEqual(alerts);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);

    // The dead-letter alert's input: RabbitMQ's per-queue depths, the pipeline's DLQ among them.
    const dlq = await waitFor(async () => {
      const q = encodeURIComponent('rabbitmq_detailed_queue_messages_ready{queue=~".+\\\\.dlq"}');
      const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${q}`)).json()) as { data: { result: { metric: { queue: string } }[] } };
      return body.data.result.length > 0 ? body.data.result.map((r) => r.metric.queue) : undefined;
    }, { timeoutMs: MINUTE, intervalMs: 1_000, what: 'per-queue RabbitMQ depths of a dead-letter queue in Prometheus' });
    expect(dlq).toContain('payments.dlq');
  }, 5 * MINUTE);

  it('a replaced Jaeger Pod (timed to Ready) takes spans again and serves them', async () => {
    const before = await jaegerPod();
    if (before === undefined) throw new Error('no Jaeger Pod');
    const uid = (p: Pod): string | undefined => (p.metadata as { uid?: string }).uid;
    const t0 = Date.now();
    await kubectl('delete', 'pod', '-n', INFRA_NS, before.metadata.name, '--wait=false');
    await waitFor(async () => {
      const p = await jaegerPod();
      return p !== undefined && uid(p) !== uid(before) && isReady(p);
    }, { timeoutMs: 3 * MINUTE, intervalMs: 100, what: 'a new Jaeger Pod Ready' });
    figures.jaegerPodDeletedToReadyS = ((Date.now() - t0) / 1000).toFixed(1);

    const otlp = await portForward(INFRA_NS, 'jaeger', 4318);
    const query = await portForward(INFRA_NS, 'jaeger', 16686);
    forwards.push(otlp, query);
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`${otlp.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tracing-probe' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }],
      }] }),
    });
    expect(res.status).toBe(200);
    const trace = await waitFor(() => getTrace(query.url, traceId), { timeoutMs: MINUTE, intervalMs: 250, what: `the probe trace ${traceId}` });
    expect(trace.spans.map((s) => s.operationName)).toEqual(['probe']);
  }, 5 * MINUTE);
});
