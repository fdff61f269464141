import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestTopics, deleteTestTopics, stackSetting, testKafkaSettings, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createDatabase, createVhost, startApp, statusCounts, type RunningApp, type TestDatabase, type TestVhost } from '@orderflow/payment-worker/test-support';
import { deleteVhost, publishTo } from './brokers.ts';
import { applyPipeline, createNamespace, deleteNamespace, ensureCrd, kubeClient, startOperator, waitForCondition, type OperatorProcess } from './harness.ts';

const GENERATED = fileURLToPath(new URL('../../monitoring/dashboards/generated/', import.meta.url));
const repoDir = fileURLToPath(new URL('../../', import.meta.url));

interface Panel { title?: string; targets?: { expr?: string }[] }
interface DashboardJson { title: string; panels: Panel[]; templating: { list: { name: string; type: string; query?: { query?: string } }[] } }

/** A range query over the last `minutes` as a Grafana panel makes it; the series it returned. */
async function rangeQuery(expr: string, minutes: number): Promise<unknown[]> {
  const end = Math.floor(Date.now() / 1000);
  const params = new URLSearchParams({ query: expr, start: String(end - minutes * 60), end: String(end), step: '15' });
  const res = await fetch(`${stackSetting('PROMETHEUS_URL')}/api/v1/query_range?${params.toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? res.status}`);
  return body.data!.result;
}

/** What Grafana substitutes before it sends a panel's query. */
function substitute(expr: string, variables: Record<string, string>): string {
  // Grafana's $__rate_interval is at least four scrape intervals (the local Prometheus scrapes every 5 s).
  let out = expr.replaceAll('$__rate_interval', '1m');
  for (const [name, value] of Object.entries(variables)) out = out.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value);
  return out;
}

// The operator's pipeline: a queue of its own in a vhost of its own, with one consumer, so the
// operator reconciles, measures lag and reports readiness for a pipeline this test names.
const kube = kubeClient();
const pipelineName = uniqueName('dashboards').toLowerCase();
const pipelineVhost = uniqueName('dashboards-pipeline');
// The order stream of this run: order-api relays to it, the aggregator and the indexer consume it.
const kafka = testKafkaSettings('dashboards-test');
const prefix = uniqueName('dashboards').toLowerCase();
const topics = { events: `${prefix}.order-events`, stats: `${prefix}.order-stats`, alerts: `${prefix}.order-alerts`, aggregatorDlt: `${prefix}.aggregator-dlt`, changelog: `${prefix}.changelog`, indexerDlt: `${prefix}.indexer-dlt` };

describe('Grafana dashboards: every panel query returns series from the real Prometheus after a real run', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const apps: RunningApp[] = [];
  let ns = '';
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase('dashboards_test'), createVhost('dashboards-test')]);
    // Registered with the stack's Prometheus, as hack/run's processes are.
    const targets = { PROMETHEUS_TARGETS_DIR: stackSetting('PROMETHEUS_TARGETS_DIR') };
    await ensureCrd(kube);
    ns = await createNamespace(kube, 'dashboards');
    operator = await startOperator(ns, targets);
    await applyPipeline(kube, ns, pipelineName, {
      deletionPolicy: 'Delete',
      rabbitmq: { vhost: pipelineVhost, queues: [{ name: 'backlog' }] },
      consumers: [{ name: 'worker', image: 'ghcr.io/orderflow/payment-worker:test', source: { queue: 'backlog' }, scaling: { maxReplicas: 2, targetLagPerReplica: 10 } }],
    });
    await waitForCondition(kube, ns, pipelineName, 'Ready', 'True');
    // A backlog the operator measures as the consumer's lag (no consumer runs: nothing drains it).
    for (let i = 0; i < 3; i++) await publishTo(pipelineVhost, 'backlog', `order-${i}`);
    await createTestTopics(kafka, [
      { name: topics.events, partitions: 2 },
      { name: topics.stats, partitions: 1 },
      { name: topics.alerts, partitions: 1 },
      { name: topics.aggregatorDlt, partitions: 1 },
      { name: topics.changelog, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
      { name: topics.indexerDlt, partitions: 1 },
    ]);
    const brokers = stackSetting('KAFKA_BROKERS');
    const aggregator = await startApp('stream-aggregator', {
      ...targets,
      KAFKA_BROKERS: brokers,
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ORDERFLOW_KAFKA_GROUP: `${prefix}.aggregator`,
      ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
      KAFKA_TRANSACTIONAL_ID_PREFIX: `${prefix}.aggregator`,
      POD_NAME: `${prefix}-aggregator-0`,
      STATS_TOPIC: topics.stats,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.aggregatorDlt,
      CHANGELOG_TOPIC: topics.changelog,
      LAG_INTERVAL_MS: '1000',
    });
    apps.push(aggregator);
    const indexer = await startApp('order-indexer', {
      ...targets,
      KAFKA_BROKERS: brokers,
      OPENSEARCH_URL: stackSetting('OPENSEARCH_URL'),
      INDEX_PREFIX: prefix,
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.indexerDlt,
      ORDERFLOW_KAFKA_GROUP: `${prefix}.indexer`,
      POD_NAME: `${prefix}-indexer-0`,
      LAG_INTERVAL_MS: '1000',
    });
    apps.push(indexer);
    const provider = await startApp('payment-provider', { ...targets, PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
    const orderApi = await startApp('order-api', {
      ...targets,
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      KAFKA_PUBLISH_ENABLED: 'true',
      KAFKA_BROKERS: brokers,
      KAFKA_ORDER_EVENTS_TOPIC: topics.events,
      KAFKA_TRANSACTIONAL_ID: `${prefix}.relay`,
    });
    const worker = await startApp('payment-worker', { ...targets, DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url });
    apps.push(worker, orderApi, provider);

    // Orders through the real processes, over a few scrapes so rates have two samples.
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 25 }, async (_, i) => {
        const res = await fetch(`${orderApi.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ customerId: `dash-${i}`, region: 'eu', currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 + i }] }),
        });
        expect(res.status).toBe(201);
      }));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    await waitFor(async () => (await statusCounts(db.pool)).paid === 100, { timeoutMs: 60_000, what: 'the 100 orders paid' });
    // Until Prometheus has scraped the apps after the run, and the operator with the backlog.
    await waitFor(async () => (await rangeQuery(`sum(increase(payments_messages_processed_total{instance="${new URL(worker.url).host}"}[1m]))`, 2)).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: 'Prometheus to have scraped the worker after the run',
    });
    await waitFor(async () => (await rangeQuery(`sum(increase(aggregator_events_total{instance="${new URL(aggregator.url).host}"}[1m])) > 0 and sum(increase(indexer_records_total{instance="${new URL(indexer.url).host}"}[1m])) > 0`, 2)).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: 'Prometheus to have scraped the aggregator and the indexer after the run',
    });
    await waitFor(async () => (await rangeQuery(`orderflow_operator_consumer_lag{pipeline="${pipelineName}"} >= 3`, 2)).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: `Prometheus to have scraped the operator's lag of ${pipelineName}`,
    });
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await deleteTestTopics(kafka, Object.values(topics));
    await fetch(`${stackSetting('OPENSEARCH_URL')}/${prefix}-*?expand_wildcards=all`, { method: 'DELETE' }).catch(() => undefined);
    await operator?.stop();
    if (ns !== '') await deleteNamespace(kube, ns);
    await deleteVhost(pipelineVhost);
    await vhost?.drop();
    await db?.drop();
    kube.close();
  });

  it('the committed JSON and the chart ConfigMaps are generated from the current source', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['monitoring/generate-dashboards.ts', '--check'], { cwd: repoDir });
    expect(stdout + stderr).toBe('');
  });

  const files = readdirSync(GENERATED).filter((f) => f.endsWith('.json'));

  it('covers every generated dashboard', () => {
    expect(files.sort()).toEqual(['messaging.json', 'operator.json', 'pipeline.json', 'platform-overview.json']);
  });

  it.each(files)('%s: every query answers with series', async (file) => {
    const dashboard = JSON.parse(readFileSync(`${GENERATED}${file}`, 'utf8')) as DashboardJson;
    // Query variables resolve as Grafana would, from label_values(); this run's pipeline must be
    // among the values and is the one chosen (another run's may have gone since).
    const variables: Record<string, string> = {};
    for (const v of dashboard.templating.list) {
      if (v.type !== 'query') continue;
      const m = /^label_values\((\w+), *(\w+)\)$/.exec(v.query?.query ?? '');
      expect(m, `variable ${v.name} is a label_values() query`).not.toBeNull();
      const res = await fetch(`${stackSetting('PROMETHEUS_URL')}/api/v1/label/${m![2]}/values?match[]=${m![1]}&start=${Math.floor(Date.now() / 1000) - 3600}`);
      const values = ((await res.json()) as { data: string[] }).data;
      expect(values.length, `values of the ${v.name} variable`).toBeGreaterThan(0);
      if (v.name === 'pipeline') expect(values).toContain(pipelineName);
      variables[v.name] = v.name === 'pipeline' ? pipelineName : values[0]!;
    }
    const empty: string[] = [];
    let queries = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr === undefined) continue;
        queries += 1;
        const expr = substitute(target.expr, variables);
        if ((await rangeQuery(expr, 60)).length === 0) empty.push(`${panel.title ?? '?'}: ${expr}`);
      }
    }
    expect(queries).toBeGreaterThan(0);
    expect(empty, `${dashboard.title}: panel queries without series`).toEqual([]);
  });
});
