// Search benchmark: order-indexer throughput and Kafka→searchable lag beside OpenSearch's own
// _bulk fed by a minimal client (same documents, same run), then search and aggregation latency
// through the API on a million event documents (bulk-loaded straight into OpenSearch).
//   node bench/search.ts [--events 20000] [--lag-chunks 100] [--million 1000000] [--queries 200]
// Prints the figures; nothing here asserts a time.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { createIdempotentProducer, ORDER_EVENT_HEADERS } from '@orderflow/kafka';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createTestTopics, deleteTestTopics, stackSetting, testKafkaSettings, uniqueName } from '@orderflow/testkit';
import { buildServer, ensureIndexLayout, freePort, generateOrders, indexNames, planOrderEvent, produceEvents, readConfig, startIndexer, stopIndexer } from '@orderflow/order-indexer/test-support';
import { loadSyntheticOrders } from './search-data.ts';
import { ms, quantile, table } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    'lag-chunks': { type: 'string', default: '100' },
    million: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '200' },
  },
});
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string => loadavg()[0]!.toFixed(1);
const url = stackSetting('OPENSEARCH_URL');
const client = new Client({ node: url });
const settings = testKafkaSettings('search-bench');
const logger = createLogger('search-bench', { level: 'warn' });
const run = uniqueName('bench').toLowerCase();
const topics = { events: `${run}-order-events`, alerts: `${run}-order-alerts`, dlt: `${run}-dlt` };

async function count(index: string, query: Record<string, unknown> = { match_all: {} }): Promise<number> {
  // Before the first document the alias does not exist yet: nothing searchable.
  const res = await client.count({ index, body: { query } }).catch((err: unknown) => {
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw err;
  });
  return res === undefined ? 0 : (res.body as { count: number }).count;
}

console.log(`# orderflow search benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} cores, Node ${process.version}, OpenSearch at ${url}, load ${load()}\n`);

await createTestTopics(settings, [
  { name: topics.events, partitions: 6 },
  { name: topics.alerts, partitions: 1 },
  { name: topics.dlt, partitions: 1 },
]);
try {
  // 1. Indexing throughput: the indexer draining a pre-filled topic, then the same documents
  //    through a minimal _bulk client (sequential requests of the indexer's batch size).
  const events = generateOrders(Math.ceil(Number(values.events) / 2.3), { end: new Date(), minutes: 600, seed: 1 }).flatMap((o) => o.events);
  log(`producing ${events.length} events to ${topics.events}`);
  await produceEvents(settings, topics.events, events);
  const names = indexNames(`${run}-idx`);
  const config = readConfig({
    KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
    OPENSEARCH_URL: url,
    INDEX_PREFIX: `${run}-idx`,
    ORDERFLOW_KAFKA_TOPIC: topics.events,
    ALERTS_TOPIC: topics.alerts,
    DEAD_LETTER_TOPIC: topics.dlt,
    ORDERFLOW_KAFKA_GROUP: `${run}-group`,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
  });
  const loadBefore = load();
  const t0 = performance.now();
  const indexer = await startIndexer(config, { logger, registry: createMetricsRegistry() });
  while ((await count(names.eventsAlias)) < events.length) await sleep(100);
  const indexerSeconds = (performance.now() - t0) / 1000;
  log(`indexer: ${events.length} events in ${indexerSeconds.toFixed(1)} s`);

  const ref = indexNames(`${run}-ref`);
  await ensureIndexLayout(client, ref, 13);
  const actions = events.flatMap((e, i) => {
    const plan = planOrderEvent(ref, JSON.stringify(e), { topic: topics.events, partition: 0, offset: BigInt(i) }, new Date());
    return 'actions' in plan ? plan.actions : [];
  });
  const perRequest = actions.length / (events.length / config.BATCH_MAX_RECORDS);
  const t1 = performance.now();
  for (let i = 0; i < actions.length; i += perRequest) {
    const res = await client.bulk({ body: actions.slice(i, i + perRequest).flatMap((a) => [a.action, a.body]) });
    if ((res.body as { errors: boolean }).errors) throw new Error('reference bulk had item errors');
  }
  while ((await count(ref.eventsAlias)) < events.length) await sleep(100);
  const refSeconds = (performance.now() - t1) / 1000;
  const indexerRate = events.length / indexerSeconds;
  const refRate = events.length / refSeconds;
  console.log('## Indexing throughput (same documents, same run)\n');
  console.log(
    table(
      ['writer', 'events', 'seconds', 'events/s', 'load'],
      [
        ['order-indexer (Kafka read_committed → bulk → commit), incl. group join', String(events.length), indexerSeconds.toFixed(1), indexerRate.toFixed(0), loadBefore],
        [`minimal client: sequential _bulk of ${Math.round(perRequest)} actions`, String(events.length), refSeconds.toFixed(1), refRate.toFixed(0), load()],
      ],
    ),
  );
  console.log(`\nindexer ÷ reference: ${(indexerRate / refRate).toFixed(2)}\n`);

  // 2. Kafka→searchable lag: chunks produced at a steady pace into the caught-up indexer; a
  //    chunk is searchable when a search finds all its event ids (refresh_interval 1 s).
  const chunks = Number(values['lag-chunks']);
  const producer = createIdempotentProducer(settings);
  const lags: number[] = [];
  const pending: { ids: string[]; sentAt: number }[] = [];
  let producing = true;
  const poller = (async () => {
    while (producing || pending.length > 0) {
      const head = pending[0];
      if (head !== undefined && (await count(names.eventsAlias, { terms: { eventId: head.ids } })) === head.ids.length) {
        lags.push(performance.now() - head.sentAt);
        pending.shift();
        continue;
      }
      await sleep(20);
    }
  })();
  for (let c = 0; c < chunks; c++) {
    const chunk = generateOrders(20, { end: new Date(), minutes: 1, seed: 100 + c }).flatMap((o) => o.events);
    await producer.send({
      messages: chunk.map((e) => ({ topic: topics.events, key: e.orderId, value: JSON.stringify(e), headers: new Map([[ORDER_EVENT_HEADERS.eventId, e.eventId], [ORDER_EVENT_HEADERS.eventType, e.type]]) })),
    });
    pending.push({ ids: chunk.map((e) => e.eventId), sentAt: performance.now() });
    await sleep(200);
  }
  producing = false;
  await poller;
  await producer.close();
  lags.sort((a, b) => a - b);
  console.log('## Kafka → searchable lag (producer acknowledged → found by a search)\n');
  console.log(table(['chunks', 'events/chunk', 'p50 ms', 'p99 ms', 'max ms', 'load'], [[String(chunks), '~46', ms(quantile(lags, 0.5)), ms(quantile(lags, 0.99)), ms(lags.at(-1)!), load()]]));
  console.log('');
  await stopIndexer(indexer, logger);

  // 3. Search and aggregation latency through the API on a million event documents.
  const big = indexNames(`${run}-1m`);
  await ensureIndexLayout(client, big, 13);
  const million = Number(values.million);
  const t2 = performance.now();
  let lastLog = 0;
  const orderCount = await loadSyntheticOrders(client, big, million, 30, (n) => {
    if (n - lastLog >= 100_000) {
      lastLog = n;
      log(`bulk-loaded ${n} events`);
    }
  });
  await client.indices.refresh({ index: `${big.eventsPattern},${big.orders}` });
  const loadSeconds = (performance.now() - t2) / 1000;
  console.log(`## Search and aggregation latency, ${million} event documents (${orderCount} orders), bulk-loaded straight into OpenSearch in ${loadSeconds.toFixed(0)} s (${(million / loadSeconds).toFixed(0)} events/s)\n`);
  const app = await buildServer({ client, names: big, registry: createMetricsRegistry(), readinessChecks: [] });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const queries: [string, string][] = [
    ['orders: region + status, page of 50', `/api/orders?region=eu&status=paid&size=50`],
    ['orders: customer', `/api/orders?customerId=cust-4242`],
    ['orders: SKU free text + 7 days', `/api/orders?sku=tea&from=${from}`],
    ['orders: page 2 via search_after', ''],
    ['orders per hour, 30 days (revenue by currency)', `/api/analytics/orders-over-time?interval=hour`],
    ['orders per minute, 7 days, one region', `/api/analytics/orders-over-time?interval=minute&region=asia&from=${from}`],
    ['status funnel', `/api/analytics/status-funnel`],
    ['top 10 SKUs (nested units)', `/api/analytics/top-skus?size=10`],
    ['payment failure reasons', `/api/analytics/payment-failures`],
  ];
  const first = (await (await fetch(`${base}/api/orders?region=eu&size=50`)).json()) as { nextCursor: string };
  queries[3]![1] = `/api/orders?region=eu&size=50&cursor=${first.nextCursor}`;
  const rows: string[][] = [];
  const rounds = Number(values.queries);
  for (const [label, path] of queries) {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    rows.push([label, String(rounds), ms(quantile(times, 0.5)), ms(quantile(times, 0.99)), load()]);
  }
  console.log(table(['query (HTTP API, sequential)', 'runs', 'p50 ms', 'p99 ms', 'load'], rows));
  await app.close();
} finally {
  await deleteTestTopics(settings, Object.values(topics));
  await client.indices.delete({ index: `${run}-*`, expand_wildcards: 'all' }).catch(() => undefined);
  for (const p of ['idx', 'ref', '1m']) {
    const n = indexNames(`${run}-${p}`);
    for (const name of [n.eventsTemplate, n.ordersTemplate, n.alertsTemplate]) await client.indices.deleteIndexTemplate({ name }).catch(() => undefined);
  }
  await client.close();
}
