import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@orderflow/testkit';
import type { Page } from 'playwright-core';
import { createBoardEnv, type BoardEnv } from './support/board-env.ts';
import { connectionState, launchBrowser, shownOrders, type TestBrowser } from './support/browser.ts';
import { startOrderSource, type OrderSource } from './support/order-source.ts';
import { startApp, type RunningApp } from './support/processes.ts';

// The page in real headless Chromium, fed by the real path: order-api's outbox relay →
// RabbitMQ → the dashboard process → Redis → WebSocket.
describe('live order board in a browser', () => {
  let env: BoardEnv;
  let source: OrderSource;
  let dashboard: RunningApp;
  let browser: TestBrowser;
  let page: Page;

  /** Resolves once every order in `ids` shows the database's status and version. */
  const pageMatchesDatabase = (ids: readonly string[], what: string) =>
    waitFor(
      async () => {
        const [shown, truth] = await Promise.all([shownOrders(page), source.statuses()]);
        const wrong = ids.filter((id) => shown.get(id)?.status !== truth.get(id)?.status || shown.get(id)?.version !== truth.get(id)?.version);
        if (wrong.length > 0) throw new Error(`${wrong.length} of ${ids.length} rows differ, e.g. ${wrong[0]}: page ${JSON.stringify(shown.get(wrong[0]!))} database ${JSON.stringify(truth.get(wrong[0]!))}`);
        return true;
      },
      { timeoutMs: 60_000, what },
    );

  beforeAll(async () => {
    env = await createBoardEnv('board-page');
    // The dashboard binds its queue first, so every event order-api relays reaches it.
    dashboard = await startApp('dashboard', env.dashboardEnv());
    source = await startOrderSource(env.vhost.url);
    browser = await launchBrowser();
    page = await browser.open(dashboard.url);
    await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page to go live' });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await source?.close();
    await env?.close();
  });

  it('shows new orders and a status change as it happens', async () => {
    const [a, b] = await source.createOrders(2);
    await pageMatchesDatabase([a!, b!], 'the new orders on the page as accepted');
    expect((await shownOrders(page)).get(a!)).toEqual({ status: 'accepted', version: 1 });

    await source.changeStatuses([{ orderId: a!, status: 'payment_pending' }]);
    await source.changeStatuses([{ orderId: a!, status: 'paid' }]);
    await pageMatchesDatabase([a!, b!], 'the paid order on the page');
    expect((await shownOrders(page)).get(a!)).toEqual({ status: 'paid', version: 3 });
    expect((await shownOrders(page)).get(b!)).toEqual({ status: 'accepted', version: 1 });
  });

  it('after the dashboard restarts, the page reconnects and shows what changed while it was away', async () => {
    const ids = await source.createOrders(3);
    await pageMatchesDatabase(ids, 'the orders before the restart');

    expect(await dashboard.stop()).toBe(0);
    await waitFor(async () => (await connectionState(page)) === 'reconnecting', { what: 'the page to notice the dashboard went away' });

    // While no dashboard runs: changes to shown orders, and new orders. They wait in the queue.
    await source.changeStatuses([
      { orderId: ids[0]!, status: 'payment_pending' },
      { orderId: ids[1]!, status: 'payment_failed', reason: 'card declined' },
    ]);
    await source.changeStatuses([{ orderId: ids[0]!, status: 'paid' }]);
    const placedMeanwhile = await source.createOrders(2);
    const before = await shownOrders(page);
    expect(before.get(ids[0]!)).toEqual({ status: 'accepted', version: 1 });

    dashboard = await startApp('dashboard', env.dashboardEnv(), dashboard.port);
    await waitFor(async () => (await connectionState(page)) === 'live', { timeoutMs: 60_000, what: 'the page to reconnect' });
    await pageMatchesDatabase([...ids, ...placedMeanwhile], 'the page to show the changes made while the dashboard was down');
    expect((await shownOrders(page)).get(ids[0]!)).toEqual({ status: 'paid', version: 3 });
    expect((await shownOrders(page)).get(ids[1]!)).toEqual({ status: 'payment_failed', version: 2 });
  });
});
