import { randomBytes, randomUUID } from 'node:crypto';
import { BREAKER_STATE } from '@orderflow/telemetry';
import { createTestTopics, deleteTestTopics, readTopic, stackSetting, testKafkaSettings, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

// Jaeger's query API (api/traces/:id), as the stack's Jaeger v2 answers it.
interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  logs: { fields: { key: string; value: unknown }[] }[];
}
interface JaegerTrace { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }

/** Every span of one trace with its service, or undefined while Jaeger has none of it. */
async function traceOf(traceId: string): Promise<(JaegerSpan & { service: string })[] | undefined> {
  const res = await fetch(`${stackSetting('JAEGER_QUERY_URL')}/api/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`Jaeger answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: JaegerTrace[] };
  const trace = body.data[0];
  return trace?.spans.map((s) => ({ ...s, service: trace.processes[s.processID]?.serviceName ?? '?' }));
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;
const events = (span: JaegerSpan): unknown[] => span.logs.flatMap((l) => l.fields.filter((f) => f.key === 'event').map((f) => f.value));

/** POSTs one order as the start of a trace of our own (the caller's `traceparent`), returning the trace id. */
async function postTracedOrder(orderApi: string, i: number): Promise<{ traceId: string; clientSpanId: string }> {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const res = await fetch(`${orderApi}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${clientSpanId}-01` },
    body: JSON.stringify({ customerId: `trace-${i}`, region: 'eu', currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 700 + i }] }),
  });
  expect(res.status).toBe(201);
  return { traceId, clientSpanId };
}

function tracingEnv(): Record<string, string> {
  return {
    TRACING_SAMPLE_RATIO: '1',
    OTEL_EXPORTER_OTLP_ENDPOINT: stackSetting('OTEL_EXPORTER_OTLP_ENDPOINT'),
    // Export within a fraction of a second rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
}

// Topics of this file's own (the order stream of the stack is not touched).
const kafka = testKafkaSettings('tracing-test');
const prefix = uniqueName('tracing').toLowerCase();
const topics = { events: `${prefix}.order-events`, stats: `${prefix}.order-stats`, alerts: `${prefix}.order-alerts`, aggregatorDlt: `${prefix}.aggregator-dlt`, changelog: `${prefix}.changelog`, indexerDlt: `${prefix}.indexer-dlt` };
const aggregatorGroup = `${prefix}.aggregator`;
const indexerGroup = `${prefix}.indexer`;

describe('tracing: one order is one trace in Jaeger, across order-api, both relays, the worker, the provider, the aggregator and the indexer', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const apps: RunningApp[] = [];
  let orderApi: RunningApp;
  let provider: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase('tracing_test'), createVhost('tracing-test')]);
    await createTestTopics(kafka, [
      { name: topics.events, partitions: 2 },
      { name: topics.stats, partitions: 1 },
      { name: topics.alerts, partitions: 1 },
      { name: topics.aggregatorDlt, partitions: 1 },
      { name: topics.changelog, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
      { name: topics.indexerDlt, partitions: 1 },
    ]);
    const brokers = stackSetting('KAFKA_BROKERS');
    apps.push(await startApp('stream-aggregator', {
      ...tracingEnv(),
      KAFKA_BROKERS: brokers,
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ORDERFLOW_KAFKA_GROUP: aggregatorGroup,
      ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
      KAFKA_TRANSACTIONAL_ID_PREFIX: aggregatorGroup,
      POD_NAME: `${prefix}-aggregator-0`,
      STATS_TOPIC: topics.stats,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.aggregatorDlt,
      CHANGELOG_TOPIC: topics.changelog,
      BATCH_MAX_WAIT_MS: '50',
    }));
    apps.push(await startApp('order-indexer', {
      ...tracingEnv(),
      KAFKA_BROKERS: brokers,
      OPENSEARCH_URL: stackSetting('OPENSEARCH_URL'),
      INDEX_PREFIX: prefix,
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.indexerDlt,
      ORDERFLOW_KAFKA_GROUP: indexerGroup,
      POD_NAME: `${prefix}-indexer-0`,
      BATCH_MAX_WAIT_MS: '50',
    }));
    provider = await startApp('payment-provider', { ...tracingEnv(), PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
    orderApi = await startApp('order-api', {
      ...tracingEnv(),
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      KAFKA_PUBLISH_ENABLED: 'true',
      KAFKA_BROKERS: brokers,
      KAFKA_ORDER_EVENTS_TOPIC: topics.events,
      KAFKA_TRANSACTIONAL_ID: `${prefix}.relay`,
    });
    worker = await startApp('payment-worker', {
      ...tracingEnv(),
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '2',
      BREAKER_HALF_OPEN_MS: '60000',
      PARK_DELAY_MS: '60000',
    });
    apps.push(worker, orderApi, provider);
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await vhost?.drop();
    await db?.drop();
    await deleteTestTopics(kafka, Object.values(topics));
    await fetch(`${stackSetting('OPENSEARCH_URL')}/${prefix}-*?expand_wildcards=all`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('links the request, the publish, the consume, the provider call, the Kafka send and both Kafka consumers as parent and child', async () => {
    const { traceId, clientSpanId } = await postTracedOrder(orderApi.url, 1);
    const spans = await waitFor(async () => {
      const found = await traceOf(traceId);
      const done = found !== undefined
        && found.some((s) => s.service === 'payment-provider')
        && found.some((s) => tag(s, 'orderflow.payment.outcome') === 'paid')
        && found.some((s) => s.service === 'stream-aggregator' && tag(s, 'orderflow.aggregator.outcome') !== undefined)
        && found.some((s) => s.service === 'order-indexer' && tag(s, 'orderflow.indexer.outcome') !== undefined);
      return done ? found : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500, what: `trace ${traceId} with the provider's span, the paid consume span and both Kafka consumers' spans` });

    const byId = new Map(spans.map((s) => [s.spanID, s]));
    const parentOf = (s: JaegerSpan): JaegerSpan | undefined => byId.get(s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
    const one = (service: string, pred: (s: JaegerSpan) => boolean, what: string): JaegerSpan => {
      const matches = spans.filter((s) => s.service === service && pred(s));
      expect(matches.map((s) => s.operationName), `${what} in ${JSON.stringify(spans.map((s) => [s.service, s.operationName]))}`).toHaveLength(1);
      return matches[0]!;
    };

    const request = one('order-api', (s) => tag(s, 'span.kind') === 'server', 'the POST /orders server span');
    const publish = one('order-api', (s) => s.operationName === 'publish orders', 'the relay publish span');
    const consume = one('payment-worker', (s) => s.operationName === 'consume payments', 'the worker consume span');
    const call = one('payment-worker', (s) => s.operationName === 'POST /charges', 'the provider call span');
    const served = one('payment-provider', (s) => tag(s, 'span.kind') === 'server', 'the provider server span');
    const send = one('order-api', (s) => s.operationName === `send ${topics.events}`, 'the Kafka relay send span');
    const aggregated = one('stream-aggregator', (s) => s.operationName === `process ${topics.events}`, 'the aggregator process span');
    const indexed = one('order-indexer', (s) => s.operationName === `process ${topics.events}`, 'the indexer process span');

    // The caller's span is the root: the request continues it.
    expect(request.references).toEqual([expect.objectContaining({ refType: 'CHILD_OF', spanID: clientSpanId })]);
    expect(parentOf(publish)?.spanID).toBe(request.spanID);
    expect(parentOf(consume)?.spanID).toBe(publish.spanID);
    expect(parentOf(call)?.spanID).toBe(consume.spanID);
    expect(parentOf(served)?.spanID).toBe(call.spanID);
    // The Kafka relay sends in the request's trace; both consumer groups continue the send.
    expect(parentOf(send)?.spanID).toBe(request.spanID);
    expect(parentOf(aggregated)?.spanID).toBe(send.spanID);
    expect(parentOf(indexed)?.spanID).toBe(send.spanID);
    // Every span but the request hangs off a span of this same trace.
    for (const s of spans) if (s !== request) expect(parentOf(s), `${s.service} ${s.operationName} has its parent in the trace`).toBeDefined();

    // OpenTelemetry messaging semantic conventions on both ends.
    expect(tag(publish, 'messaging.system')).toBe('rabbitmq');
    expect(tag(publish, 'messaging.operation.type')).toBe('send');
    expect(tag(publish, 'messaging.destination.name')).toBe('orders');
    expect(tag(publish, 'span.kind')).toBe('producer');
    expect(tag(consume, 'messaging.system')).toBe('rabbitmq');
    expect(tag(consume, 'messaging.operation.type')).toBe('process');
    expect(tag(consume, 'messaging.destination.name')).toBe('payments');
    expect(tag(consume, 'span.kind')).toBe('consumer');
    expect(tag(consume, 'orderflow.payment.outcome')).toBe('paid');
    expect(tag(send, 'messaging.system')).toBe('kafka');
    expect(tag(send, 'messaging.operation.type')).toBe('send');
    expect(tag(send, 'messaging.destination.name')).toBe(topics.events);
    expect(tag(send, 'span.kind')).toBe('producer');
    expect(typeof tag(send, 'messaging.kafka.message.key')).toBe('string');
    for (const [span, group, outcome] of [[aggregated, aggregatorGroup, 'orderflow.aggregator.outcome'], [indexed, indexerGroup, 'orderflow.indexer.outcome']] as const) {
      expect(tag(span, 'messaging.system')).toBe('kafka');
      expect(tag(span, 'messaging.operation.type')).toBe('process');
      expect(tag(span, 'messaging.destination.name')).toBe(topics.events);
      expect(tag(span, 'messaging.consumer.group.name')).toBe(group);
      expect(tag(span, 'span.kind')).toBe('consumer');
      expect(['0', '1']).toContain(tag(span, 'messaging.destination.partition.id'));
      expect(typeof tag(span, 'messaging.kafka.offset')).toBe('number');
      expect(tag(span, 'messaging.kafka.message.key')).toBe(tag(send, 'messaging.kafka.message.key'));
      expect(tag(span, outcome)).toBe(span === aggregated ? 'counted' : 'indexed');
    }

    // The window update that counted the order sums many orders: the aggregator's send span for
    // it starts a trace of its own, carried in the record's headers, and links the order's span.
    const sendOfStats = await waitFor(async () => {
      const stats = await readTopic(kafka, topics.stats, (got) => got.some((r) => r.headers.traceparent !== undefined), { what: 'a window update with a traceparent' });
      for (const record of stats) {
        const statsTrace = record.headers.traceparent?.split('-')[1];
        if (statsTrace === undefined) continue;
        const found = (await traceOf(statsTrace))?.find((s) => s.service === 'stream-aggregator' && s.operationName === `send ${topics.stats}`);
        if (found?.references.some((r) => r.refType === 'FOLLOWS_FROM' && r.traceID === traceId && r.spanID === aggregated.spanID)) return found;
      }
      return undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000, what: `the aggregator's send span of a window update linking the order's process span` });
    expect(tag(sendOfStats, 'span.kind')).toBe('producer');
    expect(tag(sendOfStats, 'messaging.system')).toBe('kafka');
    expect(sendOfStats.references.some((r) => r.refType === 'CHILD_OF')).toBe(false);
  });

  it('shows the park on the order\'s trace when the provider is down and the breaker opens', async () => {
    await fetch(`${provider.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ failureRate: 1 }),
    });
    const traces: string[] = [];
    // Two failures open the breaker (BREAKER_THRESHOLD=2); the orders after them are parked.
    await waitFor(async () => {
      traces.push((await postTracedOrder(orderApi.url, traces.length + 2)).traceId);
      return ((await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="parked"')) ?? 0) > 0;
    }, { timeoutMs: 60_000, intervalMs: 1_000, what: 'an order parked behind the open breaker' });
    // Open for a minute (BREAKER_HALF_OPEN_MS): the gauge says open as every orderflow breaker does.
    expect(await metricValue(worker.url, 'payments_provider_breaker_state')).toBe(BREAKER_STATE.open);

    const parked = await waitFor(async () => {
      for (const traceId of traces) {
        const spans = await traceOf(traceId);
        const consume = spans?.find((s) => s.operationName === 'consume payments' && events(s).includes('payment.parked'));
        if (consume !== undefined && spans !== undefined) return { consume, spans };
      }
      return undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'a trace whose consume span has the payment.parked event' });
    expect(tag(parked.consume, 'orderflow.payment.outcome')).toBe('parked');
    // The park happened in the order's own trace, under the relay's publish.
    expect(parked.spans.some((s) => s.service === 'order-api' && s.operationName === 'publish orders')).toBe(true);
  });
});
