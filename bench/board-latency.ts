// The live board's latency: a status change committed (order-status writes the outbox row) →
// order-api's relay → RabbitMQ → dashboard → Redis (compare-and-set + PUBLISH) → WebSocket →
// drawn in headless Chromium. The page records when it drew each order version
// (performance.timeOrigin + performance.now()) next to the commit time the event carries
// (`occurredAt`); the script also knows when its COMMIT returned.
//   node bench/board-latency.ts [--orders 100] [--changes 1000] [--gap-ms 10] [--screenshot docs/dashboard.png]
// Prints the figures; nothing here asserts a time.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OrderStatus } from '@orderflow/messaging';
import { connectionState, createBoardEnv, launchBrowser, shownOrders, startApp, startOrderSource } from '@orderflow/dashboard/test-support';
import { waitFor } from '@orderflow/testkit';
import { stageBoardScene } from './board-scene.ts';
import { ms, quantile, table } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100' },
    changes: { type: 'string', default: '1000' },
    'gap-ms': { type: 'string', default: '10' },
    screenshot: { type: 'string' },
  },
});
const orders = Number(values.orders);
const changes = Number(values.changes);
const gapMs = Number(values['gap-ms']);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string => loadavg()[0]!.toFixed(1);

/** Next status of an order that is at `status`: pending and failed in turn, so every change is a real one. */
const next = (status: OrderStatus): OrderStatus => (status === 'payment_pending' ? 'payment_failed' : 'payment_pending');

const env = await createBoardEnv('bench-board');
const dashboard = await startApp('dashboard', env.dashboardEnv({ BOARD_MAX_ORDERS: String(Math.max(200, orders)), LOG_LEVEL: 'warn' }));
const source = await startOrderSource(env.vhost.url);
const browser = await launchBrowser();
try {
  const page = await browser.open(`${dashboard.url}/?measure`);
  await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page to go live' });
  const ids = await source.createOrders(orders);
  await waitFor(async () => (await shownOrders(page)).size >= orders, { timeoutMs: 60_000, what: 'every order on the page' });
  log(`${orders} orders on the page; ${changes} status changes, one per transaction, ${gapMs} ms apart`);

  const status = new Map<string, OrderStatus>(ids.map((id) => [id, 'accepted']));
  const committed = new Map<string, number>(); // `${orderId}:${version}` → when COMMIT returned (epoch ms)
  const loadBefore = load();
  const started = Date.now();
  for (let i = 0; i < changes; i++) {
    const orderId = ids[i % ids.length]!;
    const to = next(status.get(orderId)!);
    const { committedAt, results } = await source.changeStatuses([{ orderId, status: to }]);
    const result = results[0]!;
    if (result.outcome !== 'changed') throw new Error(`change ${i} was ${result.outcome}`);
    status.set(orderId, to);
    committed.set(`${orderId}:${result.version}`, committedAt);
    if (gapMs > 0) await sleep(gapMs);
  }
  const elapsed = Date.now() - started;
  await waitFor(
    async () => {
      const drawn = await page.evaluate(() => (globalThis as unknown as { orderBoard: { view: { renderedAt: Map<string, unknown> } } }).orderBoard.view.renderedAt.size);
      return drawn >= orders + changes;
    },
    { timeoutMs: 120_000, what: 'every change drawn' },
  );
  type MeasuringView = { renderedAt: Map<string, { renderedAt: number; updatedAt: string }>; receivedAt: Map<string, number> };
  const [drawnEntries, receivedEntries] = await page.evaluate(() => {
    const view = (globalThis as unknown as { orderBoard: { view: MeasuringView } }).orderBoard.view;
    return [[...view.renderedAt.entries()], [...view.receivedAt.entries()]] as const;
  });
  const drawn = new Map(drawnEntries);
  const received = new Map(receivedEntries);

  const fromEvent: number[] = [];
  const fromCommit: number[] = [];
  const toMessage: number[] = [];
  const messageToDrawn: number[] = [];
  for (const [key, committedAt] of committed) {
    const d = drawn.get(key);
    if (d === undefined) throw new Error(`${key} was never drawn`);
    fromEvent.push(d.renderedAt - Date.parse(d.updatedAt));
    fromCommit.push(d.renderedAt - committedAt);
    const r = received.get(key);
    if (r !== undefined) {
      toMessage.push(r - committedAt);
      messageToDrawn.push(d.renderedAt - r);
    }
  }
  for (const xs of [fromEvent, fromCommit, toMessage, messageToDrawn]) xs.sort((a, b) => a - b);
  const row = (label: string, xs: number[]): string[] => [label, String(xs.length), ms(quantile(xs, 0.5)), ms(quantile(xs, 0.9)), ms(quantile(xs, 0.99)), ms(xs[xs.length - 1]!)];

  console.log(`# live board latency — ${new Date().toISOString()}`);
  console.log(`machine: ${cpus().length} cores, Node ${process.version}, load average ${loadBefore} → ${load()}`);
  console.log(`${changes} status changes on ${orders} orders, one transaction each, ${gapMs} ms apart (${((changes / elapsed) * 1000).toFixed(0)} changes/s offered)\n`);
  console.log(
    table(
      ['measured from', 'changes', 'p50', 'p90', 'p99', 'max'],
      [
        row('event occurredAt (in the transaction) → drawn', fromEvent),
        row('COMMIT returned → drawn', fromCommit),
        row('  of which COMMIT → WebSocket message in the page', toMessage),
        row('  of which message → drawn (next animation frame)', messageToDrawn),
      ],
    ),
  );
  const truth = await source.statuses();
  const shown = await shownOrders(page);
  const differ = ids.filter((id) => shown.get(id)?.version !== truth.get(id)?.version || shown.get(id)?.status !== truth.get(id)?.status).length;
  console.log(`\nrows that differ from the database at the end: ${differ}`);

  if (values.screenshot !== undefined) {
    await stageBoardScene(env, source, ids);
    const shot = await browser.open(dashboard.url);
    await waitFor(async () => (await shot.$$('#alerts li[data-alert-id]')).length >= 2, { what: 'the staged alerts on the page' });
    await sleep(300);
    await shot.screenshot({ path: values.screenshot, clip: { x: 0, y: 0, width: 1280, height: 640 } });
    log(`screenshot written to ${values.screenshot}`);
  }
} finally {
  await browser.close();
  await dashboard.stop();
  await source.close();
  await env.close();
}
