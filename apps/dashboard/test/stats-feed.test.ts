import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import type { Page } from 'playwright-core';
import type { OrderAlertRecord as OrderAlert, OrderStatsRecord as OrderStats } from '@orderflow/kafka';
import { createBoardEnv, type BoardEnv } from './support/board-env.ts';
import { connectionState, launchBrowser, type ElementAttributes, type TestBrowser } from './support/browser.ts';
import { startApp, type RunningApp } from './support/processes.ts';

const MINUTE = 60_000;

function stats(windowStartMs: number, orderCount: number, options: { final?: boolean; emittedAt?: number } = {}): OrderStats {
  return {
    windowStart: new Date(windowStartMs).toISOString(),
    windowEnd: new Date(windowStartMs + MINUTE).toISOString(),
    orderCount,
    tps: orderCount / 60,
    revenueMinorByCurrency: { EUR: orderCount * 1999 },
    final: options.final ?? false,
    emittedAt: new Date(options.emittedAt ?? Date.now()).toISOString(),
  };
}

function alert(kind: OrderAlert['kind'], windowStartMs: number, message: string): OrderAlert {
  const windowStart = new Date(windowStartMs).toISOString();
  return { alertId: `${kind}:${windowStart}`, kind, windowStart, observed: 900, expected: 120, threshold: 600, message, emittedAt: new Date().toISOString() };
}

/** `dashboard_aggregate_records_total` for one topic and outcome. */
async function recordsCounted(url: string, topic: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('dashboard_aggregate_records_total{') && l.includes(`topic="${topic}"`) && l.includes(`outcome="${outcome}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const tpsShown = (page: Page): Promise<string> => page.$eval('#tps', (el) => (el as unknown as ElementAttributes).getAttribute('data-tps') ?? '');
const alertsShown = (page: Page): Promise<string[]> =>
  page.$$eval('#alerts li[data-alert-id]', (lis) => (lis as unknown as ElementAttributes[]).map((li) => li.getAttribute('data-alert-id') ?? ''));

// The stream aggregator's topics, produced in Kafka transactions as the aggregator does; the
// dashboard reads them read_committed into the shared snapshot, and the page shows TPS and alerts.
describe('stats and alerts from the stream aggregator', () => {
  let env: BoardEnv;
  let producer: Producer<string, string, string, string>;
  let dashboard: RunningApp;
  let browser: TestBrowser;
  let page: Page;

  /** Sends records in one transaction and commits or aborts it. */
  const inTransaction = async (outcome: 'commit' | 'abort', messages: { topic: string; key: string; value: string; partition?: number }[]): Promise<void> => {
    const tx = await producer.beginTransaction();
    await tx.send({ messages });
    if (outcome === 'commit') await tx.commit();
    else await tx.abort();
  };

  beforeAll(async () => {
    env = await createBoardEnv('board-stats');
    producer = new Producer({
      clientId: 'board-stats-test',
      bootstrapBrokers: stackSetting('KAFKA_BROKERS').split(','),
      serializers: stringSerializers,
      idempotent: true,
      transactionalId: uniqueName('board-stats-test'),
      autocreateTopics: false,
    });
    dashboard = await startApp('dashboard', env.dashboardEnv());
    browser = await launchBrowser();
    page = await browser.open(dashboard.url);
    await waitFor(async () => (await connectionState(page)) === 'live', { what: 'the page to go live' });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await producer?.close();
    await env?.close();
  });

  it('shows the current window’s TPS (the last record of each window) and new alerts', async () => {
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const earlier = now - MINUTE;
    const t = Date.now();
    await inTransaction('commit', [
      { topic: env.statsTopic, key: new Date(earlier).toISOString(), value: JSON.stringify(stats(earlier, 120, { emittedAt: t })) },
      { topic: env.statsTopic, key: new Date(earlier).toISOString(), value: JSON.stringify(stats(earlier, 150, { final: true, emittedAt: t + 1 })) },
      { topic: env.statsTopic, key: new Date(now).toISOString(), value: JSON.stringify(stats(now, 60, { emittedAt: t + 2 })) },
      { topic: env.statsTopic, key: new Date(now).toISOString(), value: JSON.stringify(stats(now, 90, { emittedAt: t + 3 })) },
    ]);
    await waitFor(async () => (await tpsShown(page)) === String(90 / 60), { what: 'the current window’s TPS on the page' });
    // The two windows' keys may sit on different partitions: wait for the earlier one too.
    await waitFor(async () => (await page.$eval('#final-tps', (el) => (el as unknown as ElementAttributes).textContent)) === (150 / 60).toFixed(2), {
      what: 'the last closed minute’s TPS (its final record) on the page',
    });

    const spike = alert('threshold_high', now, '900 orders in a minute, above the 600 threshold');
    await inTransaction('commit', [{ topic: env.alertsTopic, key: spike.alertId, value: JSON.stringify(spike), partition: 0 }]);
    await waitFor(async () => (await alertsShown(page)).includes(spike.alertId), { what: 'the alert on the page' });
    // A replay (same id, as the aggregator produces after a restart) changes nothing and is not published.
    await inTransaction('commit', [{ topic: env.alertsTopic, key: spike.alertId, value: JSON.stringify({ ...spike, emittedAt: new Date().toISOString() }), partition: 0 }]);
    const marker = alert('sigma_low', now, 'marker after the replay');
    await inTransaction('commit', [{ topic: env.alertsTopic, key: marker.alertId, value: JSON.stringify(marker), partition: 0 }]);
    await waitFor(async () => (await alertsShown(page)).includes(marker.alertId), { what: 'the marker alert' });
    expect((await alertsShown(page)).filter((id) => id === spike.alertId)).toHaveLength(1);
    expect(await recordsCounted(dashboard.url, env.alertsTopic, 'superseded')).toBe(1);
    expect(await recordsCounted(dashboard.url, env.alertsTopic, 'applied')).toBe(2);
  });

  it('never shows records of an aborted aggregator transaction (read_committed)', async () => {
    const window = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE; // the next minute: it becomes the current one
    const key = new Date(window).toISOString();
    const t = Date.now();
    const ghost = alert('sigma_high', window, 'from an aborted transaction');
    // Same keys or partition as what follows, so the committed records come after the aborted ones.
    await inTransaction('abort', [
      { topic: env.statsTopic, key, value: JSON.stringify(stats(window, 59_940, { emittedAt: t + 1_000 })) },
      { topic: env.alertsTopic, key: ghost.alertId, value: JSON.stringify(ghost), partition: 0 },
    ]);
    const real = alert('threshold_low', window, 'after the aborted transaction');
    await inTransaction('commit', [
      // Emitted "earlier" than the aborted record: had that been applied, this one would lose.
      { topic: env.statsTopic, key, value: JSON.stringify(stats(window, 30, { emittedAt: t })) },
      { topic: env.alertsTopic, key: real.alertId, value: JSON.stringify(real), partition: 0 },
    ]);
    await waitFor(async () => (await alertsShown(page)).includes(real.alertId), { what: 'the committed alert' });
    await waitFor(async () => (await tpsShown(page)) === String(30 / 60), { what: 'the committed TPS of the new window' });
    expect(await alertsShown(page)).not.toContain(ghost.alertId);
  });

  it('reports the statistics feed as degraded, not unready, while its topics do not exist', async () => {
    const statsTopic = uniqueName('board-missing-stats');
    const alertsTopic = uniqueName('board-missing-alerts');
    const other = await startApp('dashboard', env.dashboardEnv({ KAFKA_STATS_TOPIC: statsTopic, KAFKA_ALERTS_TOPIC: alertsTopic, KAFKA_GROUP_ID: uniqueName('board-missing') }));
    const admin = new Admin({ clientId: 'board-missing-admin', bootstrapBrokers: stackSetting('KAFKA_BROKERS').split(',') });
    type Readiness = { status: string; checks: { name: string; ok: boolean }[] };
    const readiness = async (): Promise<{ code: number; body: Readiness }> => {
      const res = await fetch(`${other.url}/readyz`);
      return { code: res.status, body: (await res.json()) as Readiness };
    };
    try {
      const missing = await readiness();
      expect(missing.code).toBe(200);
      expect(missing.body.status).toBe('degraded');
      expect(missing.body.checks.find((c) => c.name === 'kafka-stats')?.ok).toBe(false);

      await admin.createTopics({ topics: [statsTopic, alertsTopic], partitions: 1, replicas: 1 });
      await waitFor(async () => (await readiness()).body.status === 'ready', { timeoutMs: 60_000, what: 'the feed to start once the topics exist' });
    } finally {
      await other.stop();
      await admin.deleteTopics({ topics: [statsTopic, alertsTopic] }).catch(() => undefined);
      await admin.close();
    }
  });

  it('skips a record that breaks the contract, counts it, and goes on', async () => {
    const window = Math.floor(Date.now() / MINUTE) * MINUTE + 2 * MINUTE;
    const key = new Date(window).toISOString();
    await inTransaction('commit', [
      { topic: env.statsTopic, key, value: '{"windowStart":"not a date","tps":"fast"}' },
      { topic: env.statsTopic, key, value: 'not json' },
      { topic: env.statsTopic, key, value: JSON.stringify(stats(window, 12)) },
    ]);
    await waitFor(async () => (await tpsShown(page)) === String(12 / 60), { what: 'the valid record after the broken ones' });
    expect(await recordsCounted(dashboard.url, env.statsTopic, 'invalid')).toBe(2);
  });
});
