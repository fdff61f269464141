import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postKindOrder } from './kind-orders.ts';
import { portForwardTo, type PortForward } from './port-forward.ts';

interface StatsWindow {
  windowStart: string;
  orderCount: number;
  revenueMinorByCurrency: Record<string, number>;
}

// No other test on kind posts CHF orders: the CHF revenue the aggregator adds up over the
// windows of this test is this test's orders alone, counted exactly once.
const CURRENCY = 'CHF';
const ORDERS = 12;
const LINE = { sku: 'kind-aggregator', quantity: 3, unitPriceMinor: 777 };

async function windows(url: string): Promise<StatsWindow[]> {
  const res = await fetch(`${url}/stats?limit=1000`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatsWindow[];
}

/** CHF revenue of the windows starting at or after `from` (ISO strings compare in time order). */
function revenueSince(all: StatsWindow[], from: string): number {
  return all.filter((w) => w.windowStart >= from).reduce((sum, w) => sum + (w.revenueMinorByCurrency[CURRENCY] ?? 0), 0);
}

/** Orders (any currency) in the windows starting at or after `from`. */
function countSince(all: StatsWindow[], from: string): number {
  return all.filter((w) => w.windowStart >= from).reduce((n, w) => n + w.orderCount, 0);
}

// order-api on kind publishes its outbox to Kafka order-events (KAFKA_PUBLISH_ENABLED in
// charts/orderflow/ci/kind-values.yaml); the aggregator, a consumer of the release's pipeline run
// by the operator (its topics declared by the pipeline), turns them into per-minute windows.
describe('stream-aggregator on kind', () => {
  let forward: PortForward;
  beforeAll(async () => {
    forward = await portForwardTo('stream-aggregator');
  });
  afterAll(() => forward?.close());

  it('counts the orders posted to order-api in /stats and /stats/current', async () => {
    expect((await fetch(`${forward.url}/readyz`)).status).toBe(200);
    // Windows are on event time (the order's creation): every order below lands in a window
    // starting at or after this minute.
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const initial = await windows(forward.url);
    const before = revenueSince(initial, from);
    const beforeCount = countSince(initial, from);

    const customer = `kind-agg-${randomUUID()}`;
    for (let i = 0; i < ORDERS; i++) await postKindOrder(customer, CURRENCY, [LINE]);
    const expected = ORDERS * LINE.quantity * LINE.unitPriceMinor;

    const after = await waitFor(
      async () => {
        const all = await windows(forward.url);
        return revenueSince(all, from) - before >= expected ? all : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${ORDERS} ${CURRENCY} orders in the aggregator's windows` },
    );
    // Exactly once: not one order's revenue more.
    expect(revenueSince(after, from) - before).toBe(expected);
    expect(countSince(after, from) - beforeCount).toBeGreaterThanOrEqual(ORDERS);

    const current = (await (await fetch(`${forward.url}/stats/current`)).json()) as StatsWindow | null;
    expect(current).not.toBeNull();
    expect(current!.windowStart >= from).toBe(true);
    // The newest window: the last one above, or one that began since.
    expect(current!.windowStart >= after[0]!.windowStart).toBe(true);
  });
});
