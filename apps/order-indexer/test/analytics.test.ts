import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createLogger } from '@orderflow/logging';
import { createPool, type Pool } from '@orderflow/pg';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createTestDatabase, createTestTopics, deleteTestTopics, freePort, stackSetting, testKafkaSettings, uniqueName, waitFor, type TestDatabase } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { startIndexer, stopIndexer, type StartedIndexer } from '../src/start.ts';
import { generateOrders, type GeneratedOrder } from './support/dataset.ts';
import { produceEvents } from './support/kafka-io.ts';
import { countDocs, dropIndexPrefix, openSearchUrl, testIndexPrefix } from './support/opensearch.ts';
import { writeTruth } from './support/truth.ts';

const settings = testKafkaSettings('order-indexer-analytics-test');
const url = openSearchUrl();
const { prefix, names } = testIndexPrefix();
const topics = { events: uniqueName('order-events'), alerts: uniqueName('order-alerts'), dlt: uniqueName('order-indexer-dlt') };
const logger = createLogger('order-indexer-test', { level: 'warn' });
let db: TestDatabase;
let pool: Pool;
let started: StartedIndexer;
let orders: GeneratedOrder[];

async function api<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${started.url}${path}?${new URLSearchParams(query).toString()}`);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query<T>(text, params)).rows;
}

beforeAll(async () => {
  db = await createTestDatabase('indexer_truth');
  pool = createPool(db.url, { max: 2 });
  orders = generateOrders(400, { end: new Date(), minutes: 45, seed: 42 });
  await writeTruth(pool, orders);
  await createTestTopics(settings, [
    { name: topics.events, partitions: 3 },
    { name: topics.alerts, partitions: 1 },
    { name: topics.dlt, partitions: 1 },
  ]);
  await produceEvents(settings, topics.events, orders.flatMap((o) => o.events));
  const config = readConfig({
    KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
    OPENSEARCH_URL: url,
    INDEX_PREFIX: prefix,
    ORDERFLOW_KAFKA_TOPIC: topics.events,
    ALERTS_TOPIC: topics.alerts,
    DEAD_LETTER_TOPIC: topics.dlt,
    ORDERFLOW_KAFKA_GROUP: `${prefix}-group`,
    POD_NAME: `${prefix}-pod`,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
  });
  started = await startIndexer(config, { logger, registry: createMetricsRegistry({ defaultLabels: { service: 'order-indexer' } }) });
  const events = orders.reduce((n, o) => n + o.events.length, 0);
  await waitFor(async () => (await countDocs(started.client, names.eventsAlias)) === events && (await countDocs(started.client, names.orders)) === orders.length, {
    timeoutMs: 120_000,
    intervalMs: 500,
    what: `${events} events and ${orders.length} orders indexed`,
  });
  await started.client.indices.refresh({ index: names.orders });
});

afterAll(async () => {
  if (started !== undefined) await stopIndexer(started, logger);
  await pool?.end();
  await db?.drop();
  await deleteTestTopics(settings, Object.values(topics));
  await dropIndexPrefix(url, prefix);
});

describe('search and analytics API against the PostgreSQL truth', () => {
  it('counts orders per status, region and customer as PostgreSQL does', async () => {
    const funnel = await api<{ total: number; stages: { status: string; current: number; reached: number }[] }>('/api/analytics/status-funnel');
    const truth = await sql<{ status: string; n: number }>('select status, count(*)::int n from orders group by status');
    expect(funnel.total).toBe(orders.length);
    for (const stage of funnel.stages) expect(stage.current).toBe(truth.find((t) => t.status === stage.status)?.n ?? 0);

    for (const [region, status] of [['eu', 'paid'], ['asia', 'payment_failed'], ['us', 'accepted']] as const) {
      const [row] = await sql<{ n: number }>('select count(*)::int n from orders where region = $1 and status = $2', [region, status]);
      expect((await api<{ total: number }>('/api/orders', { region, status })).total).toBe(row!.n);
    }
    const [cust] = await sql<{ n: number }>("select count(*)::int n from orders where customer_id = 'cust-3'");
    expect((await api<{ total: number }>('/api/orders', { customerId: 'cust-3' })).total).toBe(cust!.n);
  });

  it('aggregates orders and revenue per minute and per hour as PostgreSQL does', async () => {
    for (const [interval, unit] of [['minute', 'minute'], ['hour', 'hour']] as const) {
      const res = await api<{ buckets: { start: string; orders: number; revenueMinorByCurrency: Record<string, number> }[] }>('/api/analytics/orders-over-time', { interval });
      const truth = await sql<{ start: Date; currency: string; n: number; revenue: string }>(
        `select date_trunc('${unit}', created_at) start, currency, count(*)::int n, sum(total_minor)::text revenue from orders group by 1, 2`,
      );
      const got = res.buckets.filter((b) => b.orders > 0);
      const byStart = new Map<string, { orders: number; revenue: Record<string, number> }>();
      for (const t of truth) {
        const key = t.start.toISOString();
        const entry = byStart.get(key) ?? { orders: 0, revenue: {} };
        entry.orders += t.n;
        entry.revenue[t.currency] = Number(t.revenue);
        byStart.set(key, entry);
      }
      expect(got.map((b) => [new Date(b.start).toISOString(), b.orders, b.revenueMinorByCurrency])).toEqual(
        [...byStart].sort(([a], [b]) => a.localeCompare(b)).map(([start, e]) => [start, e.orders, e.revenue]),
      );
    }
  });

  it('ranks SKUs and payment failure reasons as PostgreSQL does', async () => {
    const top = await api<{ skus: { sku: string; units: number; orders: number }[] }>('/api/analytics/top-skus', { size: '10' });
    const truth = await sql<{ sku: string; units: number; orders: number }>('select sku, sum(quantity)::int units, count(distinct order_id)::int orders from order_items group by sku order by 2 desc, 1');
    expect(top.skus).toEqual(truth);

    const failures = await api<{ total: number; reasons: { reason: string; orders: number }[] }>('/api/analytics/payment-failures');
    const reasons = await sql<{ reason: string; orders: number }>("select failure_reason reason, count(*)::int orders from orders where status = 'payment_failed' group by 1 order by 2 desc, 1");
    expect(failures.reasons).toEqual(reasons);
    expect(failures.total).toBe(reasons.reduce((n, r) => n + r.orders, 0));
  });

  it('finds orders by SKU text and time range, and pages through them with search_after cursors', async () => {
    const [kettle] = await sql<{ n: number }>("select count(distinct order_id)::int n from order_items where sku = 'SKU-KETTLE'");
    expect((await api<{ total: number }>('/api/orders', { sku: 'kettle' })).total).toBe(kettle!.n);
    const [greenTea] = await sql<{ n: number }>("select count(distinct order_id)::int n from order_items where sku = 'SKU-TEA-GREEN'");
    expect((await api<{ total: number }>('/api/orders', { sku: 'tea green' })).total).toBe(greenTea!.n);

    const from = new Date(Date.now() - 30 * 60_000).toISOString();
    const to = new Date(Date.now() - 10 * 60_000).toISOString();
    const [ranged] = await sql<{ n: number }>('select count(*)::int n from orders where created_at >= $1 and created_at < $2', [from, to]);
    expect((await api<{ total: number }>('/api/orders', { from, to })).total).toBe(ranged!.n);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { orders: { orderId: string }[]; nextCursor: string | null } = await api('/api/orders', { region: 'eu', size: '7', ...(cursor !== null && { cursor }) });
      seen.push(...page.orders.map((o) => o.orderId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    const eu = await sql<{ id: string }>("select id::text from orders where region = 'eu'");
    expect(seen.length).toBe(eu.length);
    expect(new Set(seen)).toEqual(new Set(eu.map((r) => r.id)));
  });

  it('refuses a forged cursor, a reversed range and an unknown status with coded errors', async () => {
    const forged = await fetch(`${started.url}/api/orders?cursor=${Buffer.from('{"query":1}').toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe('INDEXER_ERR_BAD_CURSOR');
    const reversed = await fetch(`${started.url}/api/orders?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(((await reversed.json()) as { code: string }).code).toBe('INDEXER_ERR_BAD_TIME_RANGE');
    const status = await fetch(`${started.url}/api/orders?status=lost`);
    expect(status.status).toBe(400);
  });
});

/** Waits until the page's status line starts with `text` (it drew that data set). */
async function statusShows(page: Page, text: string): Promise<void> {
  await waitFor(async () => (await page.textContent('#status'))?.startsWith(text), { timeoutMs: 30_000, what: `the page to show "${text}"` });
}

describe('analytics page (headless Chromium)', () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // A fresh profile per run (Playwright passes it as --user-data-dir); Debian's Chromium, never a download.
    profile = mkdtempSync(join(tmpdir(), 'indexer-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('draws the time series, the funnel, the top SKUs and the failure reasons of the known data set', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(started.url)) external.push(r.url());
    });
    await page.goto(started.url);
    await page.selectOption('select[name=range]', 'all');
    await statusShows(page, `${orders.length} orders`);

    const bars = (chart: string): Promise<{ label: string; value: number }[]> =>
      page.$$eval(`#${chart} rect.bar`, (rects: { getAttribute(name: string): string | null }[]) => rects.map((r) => ({ label: r.getAttribute('data-label') ?? '', value: Number(r.getAttribute('data-value')) })));
    const truth = await sql<{ status: string; n: number }>('select status, count(*)::int n from orders group by status');
    const n = (s: string): number => truth.find((t) => t.status === s)?.n ?? 0;
    expect(await bars('chart-funnel')).toEqual([
      { label: 'accepted', value: orders.length },
      { label: 'payment_pending', value: n('payment_pending') + n('paid') + n('payment_failed') },
      { label: 'paid', value: n('paid') },
      { label: 'payment_failed', value: n('payment_failed') },
    ]);
    expect((await bars('chart-orders')).reduce((sum, b) => sum + b.value, 0)).toBe(orders.length);
    const skus = await sql<{ sku: string; units: number }>('select sku, sum(quantity)::int units from order_items group by sku order by 2 desc, 1');
    expect(await bars('chart-skus')).toEqual(skus.map((s) => ({ label: s.sku, value: s.units })));
    const failures = await sql<{ reason: string; orders: number }>("select failure_reason reason, count(*)::int orders from orders where status = 'payment_failed' group by 1 order by 2 desc, 1");
    expect(await bars('chart-failures')).toEqual(failures.map((f) => ({ label: f.reason, value: f.orders })));
    const revenue = await sql<{ total: string }>('select (sum(total_minor) / 100.0)::text total from orders');
    const drawn = (await bars('chart-revenue')).reduce((sum, b) => sum + b.value, 0);
    expect(drawn).toBeCloseTo(Number(revenue[0]!.total), 2);

    // A filter redraws from the API: the funnel of one region.
    await page.selectOption('select[name=region]', 'asia');
    const [asia] = await sql<{ n: number }>("select count(*)::int n from orders where region = 'asia'");
    await statusShows(page, `${asia!.n} orders`);
    expect((await bars('chart-funnel'))[0]).toEqual({ label: 'accepted', value: asia!.n });
    expect(external).toEqual([]);
  });
});
