import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatus } from '@orderflow/messaging';
import type { StatusChange } from '@orderflow/order-status';
import { waitFor } from '@orderflow/testkit';
import type { Page } from 'playwright-core';
import { createBoardEnv, type BoardEnv } from './support/board-env.ts';
import { connectionState, launchBrowser, shownOrders, type TestBrowser } from './support/browser.ts';
import { startOrderSource, type OrderSource } from './support/order-source.ts';
import { startApp, type RunningApp } from './support/processes.ts';
import { RoundRobin } from './support/round-robin.ts';

const ORDERS = 100;
const ROUNDS = 10; // 100 orders × 10 changes = 1,000 status changes
const PER_TRANSACTION = 25;

/** Browsers connected to a replica (its `dashboard_websocket_clients` gauge). */
async function websocketClients(url: string): Promise<number> {
  const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith('dashboard_websocket_clients'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Round r's status: pending and failed in turn (a replayed dead letter allows failed → pending), paid last. */
function statusOfRound(round: number): OrderStatus {
  if (round === ROUNDS - 1) return 'paid';
  return round % 2 === 0 ? 'payment_pending' : 'payment_failed';
}

// Two dashboard replicas share the queue (each applies part of the events) and the Redis
// snapshot; a browser on each must end with exactly the database's statuses.
describe('two dashboard replicas under a burst of 1,000 status changes', () => {
  let env: BoardEnv;
  let source: OrderSource;
  const replicas: RunningApp[] = [];
  let browser: TestBrowser;
  const pages: Page[] = [];

  beforeAll(async () => {
    env = await createBoardEnv('board-replicas');
    const extra = { BOARD_MAX_ORDERS: '500', STATUS_PREFETCH: '50' };
    replicas.push(await startApp('dashboard', env.dashboardEnv(extra)), await startApp('dashboard', env.dashboardEnv(extra)));
    source = await startOrderSource(env.vhost.url);
    browser = await launchBrowser();
    for (const replica of replicas) pages.push(await browser.open(replica.url));
    for (const page of pages) await waitFor(async () => (await connectionState(page)) === 'live', { what: 'each page to go live' });
  });

  afterAll(async () => {
    await browser?.close();
    for (const replica of replicas) await replica.stop();
    await source?.close();
    await env?.close();
  });

  it('ends with both pages equal to the database', async () => {
    const ids = await source.createOrders(ORDERS);
    let changes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const batch: StatusChange[] = ids.map((orderId) => ({ orderId, status: statusOfRound(round) }));
      const commits: Promise<unknown>[] = [];
      for (let i = 0; i < batch.length; i += PER_TRANSACTION) commits.push(source.changeStatuses(batch.slice(i, i + PER_TRANSACTION)));
      await Promise.all(commits);
      changes += batch.length;
    }
    expect(changes).toBe(1_000);

    const truth = await source.statuses();
    expect(truth.size).toBe(ORDERS);
    for (const { status, version } of truth.values()) expect({ status, version }).toEqual({ status: 'paid', version: ROUNDS + 1 });

    for (const [i, page] of pages.entries()) {
      await waitFor(
        async () => {
          const shown = await shownOrders(page);
          const wrong = ids.filter((id) => shown.get(id)?.status !== truth.get(id)?.status || shown.get(id)?.version !== truth.get(id)?.version);
          if (wrong.length > 0) throw new Error(`page ${i}: ${wrong.length} rows differ, e.g. ${JSON.stringify(shown.get(wrong[0]!))}`);
          return true;
        },
        { timeoutMs: 90_000, what: `the page on replica ${i} to equal the database` },
      );
      expect((await shownOrders(page)).size).toBe(ORDERS);
    }

    // Both replicas consumed: the queue's events were shared, not all taken by one.
    const applied = await Promise.all(
      replicas.map(async (r) => {
        const text = await (await fetch(`${r.url}/metrics`)).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith('dashboard_status_events_total{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      }),
    );
    expect(applied[0]! + applied[1]!).toBeGreaterThanOrEqual(ORDERS + 1_000);
    expect(Math.min(...applied)).toBeGreaterThan(0);
  });

  it('behind one address, a page whose replica goes away moves to the other and misses nothing', async () => {
    const service = new RoundRobin(replicas.map((r) => r.port));
    const url = await service.start();
    try {
      const page = await browser.open(url);
      await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page behind the balancer to go live' });
      const [id] = await source.createOrders(1);
      await waitFor(async () => (await shownOrders(page)).get(id!)?.version === 1, { what: 'the new order on the page' });

      // Stop the replica that holds this page's WebSocket (it has this page and its own from the
      // first test; the other has one), then change the order while the page moves.
      const clients = await Promise.all(replicas.map((r) => websocketClients(r.url)));
      const holder = clients.indexOf(2);
      expect(clients.slice().sort()).toEqual([1, 2]);
      expect(await replicas[holder]!.stop()).toBe(0);
      await source.changeStatuses([{ orderId: id!, status: 'payment_pending' }]);
      await source.changeStatuses([{ orderId: id!, status: 'paid' }]);
      await waitFor(async () => (await shownOrders(page)).get(id!)?.status === 'paid', { timeoutMs: 60_000, what: 'the page to show the changes through the remaining replica' });
      expect((await shownOrders(page)).get(id!)).toEqual({ status: 'paid', version: 3 });
      expect(await connectionState(page)).toBe('live');
      expect(await websocketClients(replicas[1 - holder]!.url)).toBe(2);
    } finally {
      await service.stop();
    }
  });
});
