import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReady, kindSetting, kubectl, kubectlJson, type Pod, PIPELINE, platformPods, platformWorkload } from './kind-env.ts';
import { postKindOrder } from './kind-orders.ts';
import { portForwardTo, type PortForward } from './port-forward.ts';

const MINUTE = 60_000;
const CONSUMER = 'payment-worker';

// The HPA on the real payment-worker of `hack/kind/kind up`'s release: a backlog in the payments
// queue raises the operator's external metric (orderflow_consumer_lag, served through the
// release's external metrics APIService), the HPA adds replicas, the new Pods run; after the
// backlog drains it returns to minReplicas. The figure is printed, never asserted: backlog
// crossing the target (as the HPA reads it) → a new Pod Running.

interface Hpa {
  spec: { minReplicas: number; maxReplicas: number; metrics: { external?: { target: { averageValue?: string } } }[] };
  status: { currentReplicas?: number; desiredReplicas?: number };
}

/** The external metric exactly as the HPA controller reads it, through the API server's aggregation layer. */
async function backlog(): Promise<number> {
  const { namespace } = platformWorkload(CONSUMER);
  const selector = encodeURIComponent(`orderflow.dev/pipeline=${PIPELINE},orderflow.dev/consumer=${CONSUMER}`);
  const list = JSON.parse(await kubectl('get', '--raw', `/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/orderflow_consumer_lag?labelSelector=${selector}`)) as {
    items: { value: string }[];
  };
  const value = list.items[0]?.value;
  if (value === undefined) throw new Error('the external metric has no value');
  // Quantities: "1500", or "1500m" for fractions.
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

async function hpa(): Promise<Hpa> {
  const { namespace, name } = platformWorkload(CONSUMER);
  return kubectlJson<Hpa>('get', 'hpa', '-n', namespace, name);
}

/** Worker Pods that are not being deleted. */
async function workers(): Promise<Pod[]> {
  return (await platformPods(CONSUMER)).filter((p) => p.metadata.deletionTimestamp === undefined);
}

async function statusOf(id: string): Promise<string> {
  const res = await fetch(`${kindSetting('KIND_ORDER_API_URL')}/orders/${id}`);
  return res.ok ? ((await res.json()) as { status: string }).status : `HTTP ${res.status}`;
}

async function unpaid(ids: string[]): Promise<string[]> {
  const left: string[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const batch = ids.slice(i, i + 50);
    const statuses = await Promise.all(batch.map(statusOf));
    statuses.forEach((s, j) => s !== 'paid' && left.push(batch[j]!));
  }
  return left;
}

describe.sequential('payment-worker autoscaling on kind (operator external metric + HPA)', () => {
  let provider: PortForward;
  let token = '';
  const figures: Record<string, string> = {};

  async function faults(latencyMs: number): Promise<void> {
    const res = await fetch(`${provider.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
    });
    if (!res.ok) throw new Error(`PUT /admin/faults answered ${res.status}: ${await res.text()}`);
  }

  beforeAll(async () => {
    const { namespace } = platformWorkload(CONSUMER);
    const secret = await kubectlJson<{ data: Record<string, string> }>('get', 'secret', '-n', namespace, 'orderflow-connections');
    token = Buffer.from(secret.data['provider-admin-token'] ?? '', 'base64').toString();
    if (token === '') throw new Error('orderflow-connections has no provider-admin-token');
    provider = await portForwardTo('payment-provider');
  }, 2 * MINUTE);

  afterAll(async () => {
    await faults(0).catch(() => undefined);
    provider?.close();
    console.log('autoscaling figures', JSON.stringify(figures, null, 2));
  });

  it('a backlog scales payment-worker up through the external metric and the HPA, with the new Pods Running, and back down after draining', async () => {
    const first = await hpa();
    const target = Number(first.spec.metrics[0]?.external?.target.averageValue);
    expect(target).toBeGreaterThan(0);
    const min = first.spec.minReplicas;
    expect(first.spec.maxReplicas).toBeGreaterThan(min);
    // Start from rest: an earlier test's backlog drained and the Deployment at minReplicas.
    await waitFor(async () => (await backlog()) < target && (await workers()).length === min, {
      timeoutMs: 10 * MINUTE,
      intervalMs: 2_000,
      what: `payment-worker at rest (backlog under ${target}, ${min} replica(s))`,
    });
    const before = new Set((await workers()).map((p) => p.metadata.name));

    // A slower provider (1 s a charge: under the worker's 2 s provider timeout, so nothing is
    // retried) makes one replica drain about CONCURRENCY (64) orders a second; orders are posted
    // faster than that, until the backlog is 4 × the target and again whenever it falls below,
    // until a new Pod runs: the backlog stays above the target meanwhile.
    await faults(1_000);
    const ids: string[] = [];
    const customer = `kind-scale-${randomUUID()}`;
    const seen = { peak: 0, last: 0, crossed: undefined as number | undefined, crossedTolerance: undefined as number | undefined, running: undefined as Pod | undefined, at: 0, error: '' };
    // Watches the metric and the Pods while orders are posted (a failed read is retried).
    let posting = true;
    const watch = (async () => {
      while (seen.running === undefined && posting) {
        try {
          const n = await backlog();
          seen.last = n;
          seen.peak = Math.max(seen.peak, n);
          // The HPA acts only beyond its 10 % tolerance: both moments are kept.
          if (seen.crossed === undefined && n > target) seen.crossed = Date.now();
          if (seen.crossedTolerance === undefined && n > target * 1.1) seen.crossedTolerance = Date.now();
          const fresh = (await workers()).find((p) => !before.has(p.metadata.name) && p.status.phase === 'Running');
          if (fresh !== undefined) {
            seen.running = fresh;
            seen.at = Date.now();
          }
        } catch (err) {
          seen.error = err instanceof Error ? err.message : String(err);
        }
        if (seen.running === undefined) await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      const limit = 30 * target;
      while (seen.running === undefined && ids.length < limit) {
        if (seen.last >= 4 * target) await new Promise((r) => setTimeout(r, 250));
        else ids.push(...(await Promise.all(Array.from({ length: 50 }, () => postKindOrder(customer)))));
      }
      // Posting stopped at the limit: the backlog still takes minutes to drain at this speed.
      await waitFor(() => seen.running !== undefined, { timeoutMs: 10 * MINUTE, intervalMs: 500, what: 'a new payment-worker Pod Running' });
    } catch (err) {
      throw new Error(`no scale-up: ${ids.length} orders posted, backlog peak ${seen.peak} (target ${target}), last metric error: ${seen.error || 'none'}`, { cause: err });
    } finally {
      posting = false;
      await watch;
    }
    expect(seen.crossed, `the backlog (peak ${seen.peak}) never went above the target ${target}`).toBeDefined();
    const scaled = await hpa();
    expect(scaled.status.desiredReplicas).toBeGreaterThan(min);
    figures.ordersPosted = String(ids.length);
    figures.backlogPeak = String(seen.peak);
    figures.hpaReactionS = ((seen.at - seen.crossed!) / 1000).toFixed(1);
    figures.hpaReactionFromToleranceS = seen.crossedTolerance === undefined ? 'n/a' : ((seen.at - seen.crossedTolerance) / 1000).toFixed(1);
    figures.desiredReplicasAtScaleUp = String(scaled.status.desiredReplicas);
    // The new Pod takes its share of the queue: Ready (its readiness includes the broker).
    const name = seen.running!.metadata.name;
    await waitFor(async () => (await workers()).find((p) => p.metadata.name === name && isReady(p)), { timeoutMs: 5 * MINUTE, intervalMs: 500, what: `the new Pod ${name} Ready` });
    figures.crossedToNewPodReadyS = ((Date.now() - seen.crossed!) / 1000).toFixed(1);

    // Drain: the provider back to full speed, every order paid, then back to minReplicas.
    await faults(0);
    const t0 = Date.now();
    let left = ids;
    await waitFor(
      async () => {
        left = await unpaid(left);
        return left.length === 0;
      },
      { timeoutMs: 15 * MINUTE, intervalMs: 2_000, what: `all ${ids.length} orders paid (${left.length} not yet)` },
    );
    figures.drainedS = ((Date.now() - t0) / 1000).toFixed(1);
    await waitFor(async () => (await workers()).length === min && (await hpa()).status.currentReplicas === min, {
      timeoutMs: 10 * MINUTE,
      intervalMs: 2_000,
      what: `payment-worker back at ${min} replica(s)`,
    });
    figures.scaleDownAfterDrainS = ((Date.now() - t0) / 1000).toFixed(1);
  }, 45 * MINUTE);
});
