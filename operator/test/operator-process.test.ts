import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import type { KubeClient } from '../src/kube/kube-client.ts';
import { deleteVhost, managementClient } from './brokers.ts';
import { StallingProxy } from './support/stalling-proxy.ts';
import { applyPipeline, condition, createNamespace, deleteNamespace, ensureCrd, eventsFor, getPipeline, kubeClient, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

// The operator as a process: killed mid-reconcile, restarted; two replicas behind one Lease.
const kube: KubeClient = kubeClient();
const rabbit = managementClient();
const vhost = uniqueName('op-process');
let ns = '';
const started: OperatorProcess[] = [];

const spec = (i: number): unknown => ({
  rabbitmq: { vhost, exchanges: [{ name: `ex-${i}`, type: 'topic' }], queues: [{ name: `q-${i}`, bindings: [{ exchange: `ex-${i}`, routingKey: 'order.#' }], retry: { maxAttempts: 3 }, deadLetter: { enabled: true } }] },
  consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: `q-${i}` }, scaling: { maxReplicas: 3 } }],
});

async function start(env: Record<string, string> = {}): Promise<OperatorProcess> {
  const op = await startOperator(ns, env);
  started.push(op);
  return op;
}

beforeAll(async () => {
  await ensureCrd(kube);
  ns = await createNamespace(kube, 'op-process');
});

const proxies: StallingProxy[] = [];

/** A copy of the stack's kubeconfig whose API server address is a proxy in front of the real one. */
async function proxiedKubeconfig(): Promise<{ path: string; proxy: StallingProxy }> {
  const doc = parse(readFileSync(stackSetting('KUBECONFIG'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
  const server = new URL(doc.clusters[0]!.cluster.server);
  const proxy = new StallingProxy({ host: server.hostname, port: Number(server.port) });
  await proxy.open();
  proxies.push(proxy);
  for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
  const path = join(mkdtempSync(join(tmpdir(), 'op-kubeconfig-')), 'kubeconfig');
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return { path, proxy };
}

afterAll(async () => {
  for (const op of started) await op.stop('SIGKILL');
  for (const p of proxies) await p.close();
  await deleteNamespace(kube, ns);
  await deleteVhost(vhost);
  kube.close();
});

describe('operator process', () => {
  it('killed mid-reconcile (SIGKILL), converges after restart', async () => {
    const count = 16;
    for (let i = 0; i < count; i++) await applyPipeline(kube, ns, `crash-${i}`, spec(i));
    const first = await start({ CONCURRENCY: '2', LEASE_NAME: 'crash' });
    // Kill as soon as some, but not all, pipelines have been reconciled.
    const readyAtKill = await waitFor(
      async () => {
        let ready = 0;
        for (let i = 0; i < count; i++) if (condition(await getPipeline(kube, ns, `crash-${i}`), 'Ready')?.status === 'True') ready++;
        return ready > 0 ? ready : undefined;
      },
      { what: 'a first pipeline to become Ready', intervalMs: 20 },
    );
    await first.stop('SIGKILL');
    expect(readyAtKill).toBeLessThan(count);

    const second = await start({ CONCURRENCY: '2', LEASE_NAME: 'crash', LEASE_DURATION_MS: '3000' });
    try {
      for (let i = 0; i < count; i++) {
        const p = await waitForCondition(kube, ns, `crash-${i}`, 'Ready', 'True');
        expect(p.metadata.finalizers).toEqual(['orderflow.dev/cleanup']);
        expect(await rabbit.getQueue(vhost, `q-${i}`)).toBeDefined();
        expect(await rabbit.getQueue(vhost, `q-${i}.retry.3`)).toBeDefined();
      }
      // The restarted process did the rest of the work: it reconciled at least every pipeline
      // that was not Ready when the first one died.
      const metrics = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
      const line = metrics.split('\n').find((l) => l.startsWith('orderflow_operator_reconcile_duration_seconds_count{') && l.includes('result="success"'));
      const reconciled = Number(line?.split(' ').at(-1) ?? 0);
      expect(reconciled).toBeGreaterThanOrEqual(count - readyAtKill);
    } finally {
      await second.stop();
    }
  });

  it('two replicas: one leader; the standby takes over when the leader dies, within the lease time', async () => {
    const lease = { LEASE_NAME: 'pair', LEASE_DURATION_MS: '4000', LEASE_RENEW_DEADLINE_MS: '3000', LEASE_RETRY_MS: '500' };
    const a = await start(lease);
    await waitFor(async () => (await a.readyz()).body.leader === true, { what: 'replica a to lead' });
    const b = await start(lease);
    // b campaigns for several retry periods and stays standby while a renews.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await a.readyz()).body.leader).toBe(true);
    expect((await b.readyz()).body).toMatchObject({ leader: false, status: 'ready' });
    const held = await kube.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/pair`);
    expect(held?.spec.holderIdentity).toBe(a.identity);

    await applyPipeline(kube, ns, 'led-by-a', spec(100));
    await waitForCondition(kube, ns, 'led-by-a', 'Ready', 'True');
    const byA = await eventsFor(kube, ns, 'led-by-a');
    expect(byA.length).toBeGreaterThan(0);
    expect(byA.every((e) => e.reportingInstance === a.identity)).toBe(true);

    const killedAt = Date.now();
    await a.stop('SIGKILL');
    await waitFor(async () => (await b.readyz()).body.leader === true, { what: 'replica b to take over', timeoutMs: 30_000, intervalMs: 50 });
    const failoverMs = Date.now() - killedAt;
    console.log(`leader failover after SIGKILL: ${failoverMs} ms (lease duration 4000 ms, retry period 500 ms)`);
    const after = await kube.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/pair`);
    expect(after?.spec.holderIdentity).toBe(b.identity);
    expect(after?.spec.leaseTransitions).toBe((held?.spec.leaseTransitions ?? 0) + 1);

    await applyPipeline(kube, ns, 'led-by-b', spec(101));
    await waitForCondition(kube, ns, 'led-by-b', 'Ready', 'True');
    expect((await eventsFor(kube, ns, 'led-by-b')).every((e) => e.reportingInstance === b.identity)).toBe(true);
  });

  it('a leader cut off from the API server (requests hang) stops before the standby can take the lease, and the standby takes over', async () => {
    // Replicas of earlier tests (another lease, same pipelines) would reconcile too.
    for (const op of started) await op.stop();
    const leaseDurationMs = 8000;
    const lease = { LEASE_NAME: 'stall', LEASE_DURATION_MS: String(leaseDurationMs), LEASE_RENEW_DEADLINE_MS: '5000', LEASE_RETRY_MS: '500' };
    const { path, proxy } = await proxiedKubeconfig();
    const a = await start({ ...lease, KUBECONFIG: path });
    await waitFor(async () => (await a.readyz()).body.leader === true, { what: 'replica a (behind the proxy) to lead' });
    const b = await start(lease);
    await waitFor(async () => (await b.readyz()).body.leader === false, { what: 'replica b to stand by' });
    await applyPipeline(kube, ns, 'led-by-stalled', spec(200));
    await waitForCondition(kube, ns, 'led-by-stalled', 'Ready', 'True');

    let aExitedAt = 0;
    void a.exited.then(() => (aExitedAt = Date.now()));
    proxy.stall();
    const stalledAt = Date.now();
    // The last renewal that reached the API server: the standby can take over one lease duration after it.
    const held = await kube.get<{ spec: { holderIdentity: string; renewTime: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/stall`);
    expect(held?.spec.holderIdentity).toBe(a.identity);
    await new Promise((r) => setTimeout(r, 600));
    const last = await kube.get<{ spec: { holderIdentity: string; renewTime: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/stall`);
    const lastRenewAt = Date.parse(last!.spec.renewTime);
    const standbyMayAcquireAt = lastRenewAt + leaseDurationMs;

    await waitFor(async () => (await b.readyz()).body.leader === true, { what: 'replica b to take over', timeoutMs: 60_000, intervalMs: 100 });
    const bLeadsAt = Date.now();
    console.log(`stalled at +0 ms; last renewal ${lastRenewAt - stalledAt} ms; a exited at ${aExitedAt === 0 ? 'not yet' : `+${aExitedAt - stalledAt} ms`}; b leads at +${bLeadsAt - stalledAt} ms; standby may acquire from +${standbyMayAcquireAt - stalledAt} ms`);
    // a stopped acting (the process is gone, so no reconcile writes anything more) before b could act.
    expect(aExitedAt, 'the cut-off leader is still running when the standby takes over').toBeGreaterThan(0);
    expect(aExitedAt).toBeLessThan(standbyMayAcquireAt);
    expect(aExitedAt).toBeLessThan(bLeadsAt);
    expect(await a.exited).toBe(1);
    expect(readFileSync(a.logFile, 'utf8')).toContain('could not renew the lease within the renew deadline');
    const after = await kube.get<{ spec: { holderIdentity: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/stall`);
    expect(after?.spec.holderIdentity).toBe(b.identity);
    await applyPipeline(kube, ns, 'led-after-stall', spec(201));
    await waitForCondition(kube, ns, 'led-after-stall', 'Ready', 'True');
    expect((await eventsFor(kube, ns, 'led-after-stall')).every((e) => e.reportingInstance === b.identity)).toBe(true);
  });
});
