// Benchmark: N OrderPipelines applied at once against the local control plane and brokers.
// Prints: time until all are Ready, the operator's peak memory (VmHWM), and the requests it
// made to the API server (its own counter, by verb). A script, not a test: it prints figures.
//   npm run bench -w @orderflow/operator [-- --count 200 --concurrency 8]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '@orderflow/testkit';
import type { OrderPipeline } from '../src/api/order-pipeline.ts';
import { pipelinePath } from '../src/kube/paths.ts';
import { deleteVhost, kafkaAdmin } from '../test/brokers.ts';
import { applyPipeline, createNamespace, deleteNamespace, ensureCrd, kubeClient, startOperator } from '../test/harness.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    kafka: { type: 'boolean', default: true },
    // The V8 limits the start script sets (package.json "start"); pass '' to measure Node's defaults.
    'node-options': { type: 'string', default: '--max-semi-space-size=4 --max-old-space-size=160' },
  },
});
const count = Number(values.count);
const kube = kubeClient();
await ensureCrd(kube);
const ns = await createNamespace(kube, 'op-bench');
const vhost = uniqueName('op-bench');
const topicPrefix = uniqueName('op-bench');
const operator = await startOperator(ns, { CONCURRENCY: values.concurrency, RESYNC_MS: '300000', LOG_LEVEL: 'warn', NODE_OPTIONS: values['node-options'] });
const pid = operator.child.pid!;

function memoryMb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

async function heapMb(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
  return Number(m?.[1] ?? Number.NaN) / 1048576;
}

async function kubeRequests(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^orderflow_operator_kube_requests_total\{[^}]*verb="([A-Z]+)"[^}]*\} (\d+)/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

const before = await kubeRequests();
const rssBefore = memoryMb('VmRSS');
const spec = (i: number): unknown => ({
  deletionPolicy: 'Delete',
  rabbitmq: { vhost, exchanges: [{ name: `orders-${i}`, type: 'direct' }], queues: [{ name: `payments-${i}`, bindings: [{ exchange: `orders-${i}`, routingKey: 'pay' }], retry: { maxAttempts: 2 }, deadLetter: { enabled: true } }] },
  ...(values.kafka ? { kafka: { topics: [{ name: `${topicPrefix}-${i}`, partitions: 2, replicationFactor: 1 }] } } : {}),
  consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:bench', source: { queue: `payments-${i}` }, scaling: { maxReplicas: 4 } }],
});

// A watch records when each pipeline first reports Ready=True (the moment the operator
// finished it), so a status rewritten later by anything else cannot hide or fake the figure.
const firstReady = new Map<string, number>();
const watchAbort = new AbortController();
const t0 = performance.now();
const list0 = await kube.get<{ metadata: { resourceVersion: string } }>(pipelinePath(ns));
const watching = kube.watch<OrderPipeline>(
  pipelinePath(ns),
  { resourceVersion: list0!.metadata.resourceVersion },
  (e) => {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
    const ready = e.object.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready && !firstReady.has(e.object.metadata.name)) firstReady.set(e.object.metadata.name, performance.now() - t0);
  },
  { signal: watchAbort.signal, idleMs: 600_000 },
);
await Promise.all(Array.from({ length: count }, async (_, i) => applyPipeline(kube, ns, `bench-${i}`, spec(i))));
const appliedMs = performance.now() - t0;
let peakHeap = 0;
while (firstReady.size < count && performance.now() - t0 < 300_000) {
  peakHeap = Math.max(peakHeap, await heapMb());
  // A list as well, in case the watch was cut: the first sighting counts.
  const list = await kube.get<{ items: OrderPipeline[] }>(pipelinePath(ns));
  for (const p of list?.items ?? []) {
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready && !firstReady.has(p.metadata.name)) firstReady.set(p.metadata.name, performance.now() - t0);
  }
  await sleep(250);
}
const allReadyMs = Math.max(0, ...firstReady.values());
watchAbort.abort();
await watching;
const sorted = [...firstReady.values()].sort((a, b) => a - b);
const ready = firstReady.size;
const after = await kubeRequests();
const metricsText = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
const metric = (name: string): number =>
  [...metricsText.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
const reconciles = metric('orderflow_operator_reconcile_duration_seconds_count');
const reconcileSeconds = metric('orderflow_operator_reconcile_duration_seconds_sum');
const requests = Object.fromEntries(Object.keys(after).map((verb) => [verb, after[verb]! - (before[verb] ?? 0)]));
const total = Object.values(requests).reduce((a, b) => a + b, 0);

console.log(`\nOrderPipelines: ${count} (each: exchange, queue + 2 delay queues + DLQ, binding${values.kafka ? ', topic with 2 partitions' : ''}, ConfigMap, Deployment, Service, HPA)`);
console.log(`operator concurrency: ${values.concurrency}, NODE_OPTIONS: ${values['node-options'] === '' ? '(none)' : values['node-options']}`);
console.log(`applied (${count} server-side applies from the client): ${(appliedMs / 1000).toFixed(1)} s`);
console.log(`all Ready: ${ready}/${count}; last became Ready ${(allReadyMs / 1000).toFixed(1)} s after the first apply (median ${((sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000).toFixed(1)} s)`);
console.log(`operator memory: peak RSS (VmHWM) ${memoryMb('VmHWM').toFixed(0)} MB, RSS before ${rssBefore.toFixed(0)} MB, now ${memoryMb('VmRSS').toFixed(0)} MB; peak V8 heap used (sampled) ${peakHeap.toFixed(0)} MB`);
console.log(`reconciles: ${reconciles} (${(reconciles / count).toFixed(1)} per pipeline), mean ${((reconcileSeconds / reconciles) * 1000).toFixed(0)} ms, errors ${metric('orderflow_operator_reconcile_errors_total')}`);
console.log(`API server requests by the operator: ${total} (${Object.entries(requests).map(([v, n]) => `${v} ${n}`).join(', ')}), ${(total / count).toFixed(1)} per pipeline`);

// Cleanup: deletion with policy Delete goes through the finalizer and removes the broker objects.
const td = performance.now();
await Promise.all(Array.from({ length: count }, async (_, i) => kube.request('DELETE', pipelinePath(ns, `bench-${i}`), { allowNotFound: true })));
for (;;) {
  const list = await kube.get<{ items: unknown[] }>(pipelinePath(ns));
  if ((list?.items.length ?? 0) === 0 || performance.now() - td > 300_000) break;
  await sleep(500);
}
console.log(`all deleted (finalizer cleanup on the brokers): ${((performance.now() - td) / 1000).toFixed(1)} s`);
await operator.stop();
await deleteNamespace(kube, ns);
await deleteVhost(vhost);
if (values.kafka) {
  const admin = kafkaAdmin();
  const left = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
  if (left.length > 0) await admin.deleteTopics({ topics: left });
  await admin.close();
}
kube.close();
