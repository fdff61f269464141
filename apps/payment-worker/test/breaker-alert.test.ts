import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, freePort, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

const RULES = fileURLToPath(new URL('../../../monitoring/alerts/orderflow.rules.yml', import.meta.url));

interface Alert { labels: Record<string, string>; state: string }

/**
 * orderflow's rule file as it is, except that the breaker alert waits 5 s instead of minutes:
 * the expression, labels and annotations under test are the real ones.
 */
async function rulesWithShortFor(): Promise<string> {
  const text = await readFile(RULES, 'utf8');
  const shortened = text.replace(/(- alert: OrderflowPaymentBreakerOpen\n(?:.*\n)*?\s+for: )\S+/, '$15s');
  if (shortened === text) throw new Error(`no 'for:' found for OrderflowPaymentBreakerOpen in ${RULES}`);
  return shortened;
}

describe('alerts, evaluated for real: a provider outage fires OrderflowPaymentBreakerOpen', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;
  let prometheusLog = '';

  async function alerts(): Promise<Alert[]> {
    const res = await fetch(`${prometheusUrl}/api/v1/alerts`);
    return ((await res.json()) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.labels.alertname === 'OrderflowPaymentBreakerOpen');
  }

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase('breaker_alert_test'), createVhost('breaker-alert-test')]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '2',
      BREAKER_HALF_OPEN_MS: '600000',
      PARK_DELAY_MS: '600000',
    });

    // A Prometheus of this test's own (the shared one keeps its 5 s cadence and its targets).
    dir = await mkdtemp(join(tmpdir(), 'breaker-alert-prometheus-'));
    await writeFile(join(dir, 'orderflow.rules.yml'), await rulesWithShortFor());
    await writeFile(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ["${join(dir, 'orderflow.rules.yml')}"]
scrape_configs:
  - job_name: payment-worker
    static_configs: [ { targets: ["${new URL(worker.url).host}"] } ]
`);
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    prometheus.stderr?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, { timeoutMs: 60_000, what: `the test Prometheus to be ready: ${prometheusLog.slice(-500)}` });
  });

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('stays quiet while the breaker is closed, then fires once it opens', async () => {
    await waitFor(async () => {
      const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('payments_provider_breaker_state')}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === '0';
    }, { timeoutMs: 60_000, what: 'the worker scraped with its breaker closed' });
    expect(await alerts()).toEqual([]);

    const orders = makeOrders(6);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    const firing = await waitFor(async () => {
      const found = (await alerts()).find((a) => a.state === 'firing');
      return found;
    }, { timeoutMs: 90_000, intervalMs: 500, what: 'OrderflowPaymentBreakerOpen firing in Prometheus' });
    expect(firing.labels).toMatchObject({ alertname: 'OrderflowPaymentBreakerOpen', severity: 'critical', job: 'payment-worker' });
  });
});
