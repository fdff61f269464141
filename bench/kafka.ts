// Kafka benchmark: producer throughput (acks=all, idempotent) of @platformatic/kafka next to
// Kafka's own Java ProducerPerformance against the same broker, and order-api outbox →
// Kafka → stream-aggregator → order-stats end to end.
//   node bench/kafka.ts [--records 200000] [--record-size 200] [--orders 10000] [--only producer|e2e]
// Prints the figures; nothing here asserts a time.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createAdmin, ensureTopics } from '@orderflow/kafka';
import { benchKafkaSettings } from './lib/kafka-topics.ts';
import { runOutboxToStats } from './lib/outbox-to-stats.ts';
import { javaProducerThroughput, nodeProducerThroughput } from './lib/producer-throughput.ts';
import { ms, table } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'record-size': { type: 'string', default: '200' },
    orders: { type: 'string', default: '10000' },
    only: { type: 'string' },
  },
});
const sections = values.only === undefined ? ['producer', 'e2e'] : values.only.split(',');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string => loadavg()[0]!.toFixed(1);
const settings = benchKafkaSettings('bench-kafka');

console.log(`# orderflow Kafka benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} cores, Node ${process.version}, broker ${settings.brokers.join(',')}\n`);

if (sections.includes('producer')) {
  const records = Number(values.records);
  const recordSize = Number(values['record-size']);
  const admin = createAdmin(settings);
  const topics = [`bench-${randomBytes(4).toString('hex')}.node`, `bench-${randomBytes(4).toString('hex')}.java`];
  try {
    await ensureTopics(admin, topics.map((name) => ({ name, partitions: 6 })));
    const rows: string[][] = [];
    let before = load();
    log('producer: @platformatic/kafka');
    const node = await nodeProducerThroughput(settings, topics[0]!, { records, recordSize, batch: 1_000, inFlight: 4 });
    rows.push(['@platformatic/kafka 2.12 (Node 24)', node.recordsPerSecond.toFixed(0), node.mibPerSecond.toFixed(1), node.detail, `${before} → ${load()}`]);
    before = load();
    log('producer: Java ProducerPerformance');
    const java = await javaProducerThroughput(settings.brokers.join(','), topics[1]!, { records, recordSize });
    rows.push(['Java ProducerPerformance (kafka-tools 4.1.1)', java.recordsPerSecond.toFixed(0), java.mibPerSecond.toFixed(1), java.detail, `${before} → ${load()}`]);
    console.log(`## Producer throughput: ${records} records of ${recordSize} bytes, acks=all, idempotent, 6 partitions\n`);
    console.log(`${table(['producer', 'records/s', 'MB/s', 'detail', 'load avg'], rows)}\n`);
    console.log(`ratio (@platformatic/kafka ÷ Java): ${(node.recordsPerSecond / java.recordsPerSecond).toFixed(2)}\n`);
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.close();
  }
}

if (sections.includes('e2e')) {
  const orders = Number(values.orders);
  log(`e2e: ${orders} orders, outbox → order-stats`);
  const before = load();
  const r = await runOutboxToStats(settings, { orders, httpConcurrency: 128, log });
  console.log(`## ${orders} orders: outbox → Kafka order-events → stream-aggregator → order-stats\n`);
  console.log(
    `${table(
      ['orders', 'events/s', 'p50', 'p99', 'max', 'aggregator transactions', 'load avg'],
      [[String(r.orders), r.eventsPerSecond.toFixed(0), ms(r.p50Ms), ms(r.p99Ms), ms(r.maxMs), String(r.transactions), `${before} → ${load()}`]],
    )}\n`,
  );
}
