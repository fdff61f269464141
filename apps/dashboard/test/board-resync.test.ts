import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGES, type OrderCreatedEvent, type OrderStatus, type OrderStatusChangedEvent } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testkit';
import { connect, type ChannelModel, type Channel } from 'amqplib';
import type { Page } from 'playwright-core';
import { APPLY_ORDER } from '../src/board-scripts.ts';
import { boardKeys } from '../src/board-store.ts';
import { createBoardEnv, type BoardEnv } from './support/board-env.ts';
import { connectionState, launchBrowser, shownOrders, type TestBrowser } from './support/browser.ts';
import { startApp, type RunningApp } from './support/processes.ts';

function created(orderId: string): OrderCreatedEvent {
  return {
    eventId: randomUUID(),
    type: 'order.created',
    occurredAt: new Date().toISOString(),
    orderId,
    order: { id: orderId, customerId: 'c-1', region: 'eu', priority: 'normal', currency: 'EUR', totalMinor: 2599, items: [{ sku: 'A-1', quantity: 1, unitPriceMinor: 2599 }] },
  };
}

function changed(orderId: string, from: OrderStatus, to: OrderStatus, version: number): OrderStatusChangedEvent {
  return { eventId: randomUUID(), type: 'order.status_changed', occurredAt: new Date(Date.now() + version).toISOString(), orderId, from, to, version, region: 'eu' };
}

/** Sum of a metric's series whose labels include every one of `labels` (e.g. `reason="resync"`). */
async function metric(url: string, name: string, ...labels: string[]): Promise<number> {
  const lines = (await (await fetch(`${url}/metrics`)).text()).split('\n');
  return lines
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

// Events published straight onto the vhost's `orders` exchange (as the relay would), and
// changes written to the snapshot whose Pub/Sub message is lost, to see the page recover.
describe('board consistency: out-of-order events, lost Pub/Sub messages, a lost subscription', () => {
  let env: BoardEnv;
  let amqp: ChannelModel;
  let channel: Channel;
  let dashboard: RunningApp;
  let browser: TestBrowser;
  let page: Page;

  let published = 0;
  const publish = (event: OrderCreatedEvent | OrderStatusChangedEvent): void => {
    published += 1;
    channel.publish(EXCHANGES.orders, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.eventId, type: event.type });
  };

  /** Writes a change into the snapshot exactly as the dashboard does, but publishes it where nobody listens: a lost Pub/Sub message. */
  const applyWithLostMessage = async (event: OrderStatusChangedEvent): Promise<number> => {
    const k = boardKeys(env.prefix);
    const entry = { orderId: event.orderId, status: event.to, version: event.version, region: event.region, updatedAt: event.occurredAt };
    const seq = await env.redis.eval(APPLY_ORDER, 3, k.seq, k.orderPrefix + event.orderId, k.recent, event.orderId, event.version, JSON.stringify(entry), Date.parse(event.occurredAt), 200, Date.now() - 3_600_000, 3_600, `${k.channel}:nobody`, '0');
    return Number(seq);
  };

  beforeAll(async () => {
    env = await createBoardEnv('board-resync');
    dashboard = await startApp('dashboard', env.dashboardEnv({ HEARTBEAT_MS: '500' }));
    amqp = await connect(env.vhost.url);
    channel = await amqp.createChannel();
    browser = await launchBrowser();
    page = await browser.open(dashboard.url);
    await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page to go live' });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await amqp?.close();
    await env?.close();
  });

  it('never shows an older status: late and replayed events are ignored', async () => {
    const id = randomUUID();
    publish(created(id));
    await waitFor(async () => (await shownOrders(page)).get(id)?.version === 1, { what: 'the order on the page' });
    // The relay is at-least-once and replicas apply concurrently: v3 may come before v2, and twice.
    publish(changed(id, 'payment_pending', 'paid', 3));
    await waitFor(async () => (await shownOrders(page)).get(id)?.version === 3, { what: 'version 3 on the page' });
    publish(changed(id, 'accepted', 'payment_pending', 2));
    publish(created(id));
    // Every event published so far has been handled (applied or superseded): the stale ones too.
    await waitFor(async () => (await metric(dashboard.url, 'dashboard_status_events_total', 'outcome="applied"')) + (await metric(dashboard.url, 'dashboard_status_events_total', 'outcome="superseded"')) === published, {
      what: 'the dashboard to have handled the late and replayed events',
    });
    expect((await shownOrders(page)).get(id)).toEqual({ status: 'paid', version: 3 });
    // What a page that connects now gets: the snapshot in Redis, not the open page's memory.
    const snapshot = (await (await fetch(`${dashboard.url}/board/snapshot`)).json()) as { orders: { orderId: string; status: string; version: number; totalMinor?: number }[] };
    expect(snapshot.orders.find((o) => o.orderId === id)).toMatchObject({ status: 'paid', version: 3, totalMinor: 2599 });
    const fresh = await browser.open(dashboard.url);
    await waitFor(async () => (await shownOrders(fresh)).has(id), { what: 'a newly opened page to draw the order' });
    expect((await shownOrders(fresh)).get(id)).toEqual({ status: 'paid', version: 3 });
    await fresh.close();
    expect(await metric(dashboard.url, 'dashboard_status_events_total', 'outcome="superseded"')).toBeGreaterThanOrEqual(2);
  });

  it('a change whose Pub/Sub message was lost reaches the idle page through the heartbeat', async () => {
    const id = randomUUID();
    publish(created(id));
    await waitFor(async () => (await shownOrders(page)).get(id)?.version === 1, { what: 'the order on the page' });
    const resyncsBefore = await metric(dashboard.url, 'dashboard_snapshots_sent_total', 'reason="resync"');

    expect(await applyWithLostMessage(changed(id, 'accepted', 'payment_failed', 2))).toBeGreaterThan(0);
    // Nothing else happens: only the heartbeat's sequence number can tell the page it is behind.
    await waitFor(async () => (await shownOrders(page)).get(id)?.status === 'payment_failed', { timeoutMs: 30_000, what: 'the page to resync after a lost message' });
    expect(await metric(dashboard.url, 'dashboard_snapshots_sent_total', 'reason="resync"')).toBeGreaterThan(resyncsBefore);
  });

  it('after its Redis subscription is cut, the replica resubscribes and resynchronises its pages', async () => {
    const id = randomUUID();
    publish(created(id));
    await waitFor(async () => (await shownOrders(page)).get(id)?.version === 1, { what: 'the order on the page' });
    const before = await metric(dashboard.url, 'dashboard_snapshots_sent_total', 'reason="subscriber"');

    const clients = String(await env.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const mine = clients.split('\n').find((line) => line.includes(`name=dashboard-subscriber:`) && line.includes(`:${dashboard.process.pid} `));
    expect(mine, clients).toBeDefined();
    const clientId = /\bid=(\d+)/.exec(mine!)![1]!;
    await env.redis.call('CLIENT', 'KILL', 'ID', clientId);
    await waitFor(async () => (await metric(dashboard.url, 'dashboard_snapshots_sent_total', 'reason="subscriber"')) > before, { what: 'a resync after the subscription came back' });
    await waitFor(async () => (await fetch(`${dashboard.url}/readyz`)).ok, { what: 'readiness again' });

    publish(changed(id, 'accepted', 'paid', 2));
    await waitFor(async () => (await shownOrders(page)).get(id)?.status === 'paid', { what: 'live changes after the resubscription' });
    expect(await metric(dashboard.url, 'dashboard_subscriber_reconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('answers an unknown request on the WebSocket with a coded error and keeps the connection', async () => {
    const reply = await page.evaluate(
      (wsUrl) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.onmessage = (e) => {
            const m = JSON.parse(String(e.data)) as { kind: string };
            if (m.kind === 'snapshot') ws.send('{"type":"subscribe-everything"}');
            if (m.kind === 'error') {
              resolve(String(e.data));
              ws.close();
            }
          };
        }),
      `${dashboard.url.replace('http', 'ws')}/board/ws`,
    );
    expect(JSON.parse(reply)).toMatchObject({ kind: 'error', code: 'DASHBOARD_ERR_INVALID_CLIENT_MESSAGE' });
  });
});
