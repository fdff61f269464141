import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGES, type OrderCreatedEvent, type OrderStatusChangedEvent } from '@orderflow/messaging';
import { TcpProxy, stackSetting, waitFor } from '@orderflow/testkit';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { Page } from 'playwright-core';
import { createBoardEnv, type BoardEnv } from './support/board-env.ts';
import { connectionState, launchBrowser, shownOrders, type TestBrowser } from './support/browser.ts';
import { startApp, type RunningApp } from './support/processes.ts';

function created(orderId: string): OrderCreatedEvent {
  return {
    eventId: randomUUID(),
    type: 'order.created',
    occurredAt: new Date().toISOString(),
    orderId,
    order: { id: orderId, customerId: 'c-9', region: 'us', priority: 'high', currency: 'USD', totalMinor: 500, items: [{ sku: 'B-2', quantity: 1, unitPriceMinor: 500 }] },
  };
}

// Redis goes away under a running dashboard (a TCP cut between them; the shared Redis itself
// stays up). Events keep arriving from RabbitMQ: none may be lost, readiness must say the
// replica is not ready, and the page must catch up once Redis is back.
describe('board while Redis is unreachable', () => {
  let env: BoardEnv;
  let cut: TcpProxy;
  let amqp: ChannelModel;
  let channel: Channel;
  let dashboard: RunningApp;
  let browser: TestBrowser;
  let page: Page;

  const publish = (event: OrderCreatedEvent | OrderStatusChangedEvent): void => {
    channel.publish(EXCHANGES.orders, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.eventId, type: event.type });
  };

  beforeAll(async () => {
    env = await createBoardEnv('board-redis-cut');
    const redisUrl = new URL(stackSetting('REDIS_URL'));
    cut = new TcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port) });
    await cut.open();
    redisUrl.host = cut.address;
    dashboard = await startApp('dashboard', env.dashboardEnv({ REDIS_URL: redisUrl.toString(), HEARTBEAT_MS: '500' }));
    amqp = await connect(env.vhost.url);
    channel = await amqp.createChannel();
    browser = await launchBrowser();
    page = await browser.open(dashboard.url);
    await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page to go live' });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await cut?.close();
    await amqp?.close();
    await env?.close();
  });

  it('loses no event, reports not ready, and the page catches up when Redis is back', async () => {
    const id = randomUUID();
    publish(created(id));
    await waitFor(async () => (await shownOrders(page)).get(id)?.version === 1, { what: 'the order on the page' });

    await cut.close();
    await waitFor(async () => (await fetch(`${dashboard.url}/readyz`)).status === 503, { what: '/readyz to report Redis down' });
    const readiness = (await (await fetch(`${dashboard.url}/readyz`)).json()) as { checks: { name: string; ok: boolean }[] };
    expect(readiness.checks.find((c) => c.name === 'redis')?.ok).toBe(false);

    const later = randomUUID();
    publish({ eventId: randomUUID(), type: 'order.status_changed', occurredAt: new Date().toISOString(), orderId: id, from: 'accepted', to: 'payment_pending', version: 2, region: 'us' });
    publish(created(later));
    // The writes fail and go back to the queue (held a moment each time), not dropped.
    await waitFor(
      async () => {
        const text = await (await fetch(`${dashboard.url}/metrics`)).text();
        return text.split('\n').some((l) => l.startsWith('dashboard_status_events_total{') && l.includes('outcome="failed"') && Number(l.slice(l.lastIndexOf(' ') + 1)) > 0);
      },
      { what: 'failed writes to be counted' },
    );
    expect((await shownOrders(page)).get(id)).toEqual({ status: 'accepted', version: 1 });

    await cut.open();
    await waitFor(async () => (await fetch(`${dashboard.url}/readyz`)).ok, { timeoutMs: 60_000, what: 'readiness once Redis is back' });
    await waitFor(
      async () => {
        const shown = await shownOrders(page);
        return shown.get(id)?.status === 'payment_pending' && shown.get(later)?.version === 1;
      },
      { timeoutMs: 60_000, what: 'the changes made during the outage on the page' },
    );
    expect((await shownOrders(page)).get(id)).toEqual({ status: 'payment_pending', version: 2 });
  });
});
