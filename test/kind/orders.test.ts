import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testkit';
import { describe, expect, it } from 'vitest';
import { isReady, kindSetting, kubectl, platformPods, platformWorkload } from './kind-env.ts';

interface OrderView {
  id: string;
  status: string;
}

async function postOrder(customerId: string): Promise<OrderView> {
  const res = await fetch(`${kindSetting('KIND_ORDER_API_URL')}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ customerId, region: 'eu', currency: 'EUR', items: [{ sku: 'kind-test', quantity: 2, unitPriceMinor: 1250 }] }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as OrderView;
}

async function statusOf(id: string): Promise<string> {
  const res = await fetch(`${kindSetting('KIND_ORDER_API_URL')}/orders/${id}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as OrderView).status;
}

async function allPaid(ids: string[]): Promise<boolean> {
  const statuses = await Promise.all(ids.map(statusOf));
  return statuses.every((s) => s === 'paid');
}

// Orders through the platform's release on kind: order-api (NodePort) -> RabbitMQ -> the
// pipeline's payment-worker (run by the operator) -> payment-provider -> PostgreSQL.
describe('orders on kind', () => {
  it('an order posted through the NodePort ends paid', async () => {
    const order = await postOrder(`kind-${randomUUID()}`);
    expect(order.status).toBe('accepted');
    await waitFor(async () => (await statusOf(order.id)) === 'paid', { timeoutMs: 60_000, intervalMs: 250, what: `order ${order.id} paid` });
  });

  it('a payment-worker Pod killed mid-run is replaced and no order is lost', async () => {
    // The pipeline's payment-worker Deployment (the operator's), at the replicas its HPA set.
    const before = (await platformPods('payment-worker')).filter(isReady);
    expect(before.length).toBeGreaterThan(0);
    const victim = before[0]!.metadata.name;

    const customer = `kind-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await postOrder(customer)).id);
    // Killed outright (no drain) while the orders above are in flight: what it had taken but not
    // acknowledged goes back to the queue; orders posted while no worker runs wait there.
    await kubectl('delete', 'pod', '-n', platformWorkload('payment-worker').namespace, victim, '--grace-period=0', '--force', '--wait=false');
    for (let i = 0; i < 40; i++) ids.push((await postOrder(customer)).id);

    const others = before.filter((p) => p.metadata.name !== victim).map((p) => p.metadata.name);
    const replacement = await waitFor(
      async () => (await platformPods('payment-worker')).find((p) => p.metadata.name !== victim && !others.includes(p.metadata.name) && isReady(p)),
      { timeoutMs: 180_000, intervalMs: 500, what: 'a Ready replacement payment-worker Pod' },
    );
    expect(replacement.metadata.name).not.toBe(victim);
    await waitFor(() => allPaid(ids), { timeoutMs: 180_000, intervalMs: 1_000, what: `all ${ids.length} orders paid` });
    expect(new Set(ids).size).toBe(60);
  });
});
