// End-to-end benchmark: HTTP accepted → paid, on the local stack with durability on.
//   node bench/orders-e2e.ts [--orders 10000] [--http-concurrency 128] [--runs 1]
//                            [--sweep 1,10,50,200] [--celery] [--only main|sweep|celery|tracing]
//                            [--kafka]  (main runs twice each: Kafka publishing off, then on)
// Prints the figures; nothing here asserts a time.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runCeleryComparison } from './lib/celery-baseline.ts';
import { stackSetting } from '@orderflow/testkit';
import { runE2e, type E2eResult } from './lib/e2e-run.ts';
import { kafkaPublishingEnv } from './lib/kafka-topics.ts';
import { mib, ms, table } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    'http-concurrency': { type: 'string', default: '128' },
    runs: { type: 'string', default: '1' },
    sweep: { type: 'string', default: '1,10,50,200' },
    only: { type: 'string' },
    kafka: { type: 'boolean', default: false },
  },
});
const orders = Number(values.orders);
const httpConcurrency = Number(values['http-concurrency']);
const runs = Number(values.runs);
const sections = values.only === undefined ? ['main', 'sweep', 'celery'] : values.only.split(',');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

console.log(`# orderflow end-to-end benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mib(totalmem())} RAM, Node ${process.version}`);
console.log(`orders per run: ${orders}, HTTP concurrency: ${httpConcurrency}\n`);

const load = (): string => loadavg()[0]!.toFixed(1);
const row = (label: string, r: E2eResult, loadBefore: string): string[] => [
  label,
  ms(r.totalMs),
  r.ordersPerSecond.toFixed(0),
  ms(r.p50Ms),
  ms(r.p99Ms),
  ms(r.acceptMs),
  mib(r.peakRss['order-api'] ?? 0),
  mib(r.peakRss['payment-worker'] ?? 0),
  mib(r.peakRss.provider ?? 0),
  ['order-api', 'payment-worker', 'provider'].map((app) => (r.cpuSeconds[app] ?? 0).toFixed(1)).join(' / '),
  `${loadBefore} → ${load()}`,
];
// The box is shared: the 1-minute load average before → after each run says how contended it was.
const headers = ['run', 'total', 'orders/s', 'p50', 'p99', 'all accepted', 'order-api RSS', 'worker RSS', 'provider RSS', 'CPU s api/worker/provider', 'load avg'];

if (sections.includes('main')) {
  const rows: string[][] = [];
  for (let i = 1; i <= runs; i++) {
    log(`main run ${i}/${runs}`);
    const before = load();
    const r = await runE2e({ orders, httpConcurrency, log });
    if (r.charges !== orders) throw new Error(`provider charged ${r.charges} orders, expected ${orders}`);
    rows.push(row(`default settings #${i}`, r, before));
    if (values.kafka) {
      // Same run with order-api also relaying its outbox to Kafka (a fresh topic per run).
      log(`main run ${i}/${runs}, Kafka publishing on`);
      const kafka = await kafkaPublishingEnv();
      try {
        const beforeKafka = load();
        const rk = await runE2e({ orders, httpConcurrency, log, orderApiEnv: kafka.env });
        if (rk.charges !== orders) throw new Error(`provider charged ${rk.charges} orders, expected ${orders}`);
        rows.push(row(`Kafka publishing on #${i}`, rk, beforeKafka));
      } finally {
        await kafka.drop();
      }
    }
  }
  console.log(`## ${orders} orders end to end (worker defaults: PREFETCH 200, CONCURRENCY 64, BATCH_SIZE 200)\n`);
  console.log(`${table(headers, rows)}\n`);
}

if (sections.includes('tracing')) {
  // Tracing off, sampling 10 % and 100 % of new traces, side by side; spans go to the stack's Jaeger.
  const rows: string[][] = [];
  // With --kafka, order-api also relays to Kafka (a fresh topic per run), so the Kafka send spans count too.
  for (const ratio of ['0', '0.1', '1']) {
    log(`tracing: sample ratio ${ratio}${values.kafka ? ', Kafka publishing on' : ''}`);
    const kafka = values.kafka ? await kafkaPublishingEnv() : undefined;
    try {
      const before = load();
      const appEnv: Record<string, string> = ratio === '0' ? {} : { TRACING_SAMPLE_RATIO: ratio, OTEL_EXPORTER_OTLP_ENDPOINT: stackSetting('OTEL_EXPORTER_OTLP_ENDPOINT') };
      const r = await runE2e({ orders, httpConcurrency, log, appEnv, ...(kafka && { orderApiEnv: kafka.env }) });
      if (r.charges !== orders) throw new Error(`provider charged ${r.charges} orders, expected ${orders}`);
      rows.push(row(ratio === '0' ? 'tracing off' : `tracing ${Number(ratio) * 100} %`, r, before));
    } finally {
      await kafka?.drop();
    }
  }
  console.log(`## Tracing cost (${orders} orders end to end each; TRACING_SAMPLE_RATIO on all three apps${values.kafka ? '; order-api also relays to Kafka' : ''})\n`);
  console.log(`${table(headers, rows)}\n`);
}

if (sections.includes('sweep')) {
  const rows: string[][] = [];
  for (const prefetch of values.sweep.split(',').map(Number)) {
    log(`sweep: prefetch ${prefetch}`);
    const before = load();
    const r = await runE2e({ orders, httpConcurrency, log, workerEnv: { PREFETCH: String(prefetch) } });
    rows.push(row(`prefetch ${prefetch}`, r, before));
  }
  console.log(`## Prefetch sweep (${orders} orders end to end each)\n`);
  console.log(`${table(headers, rows)}\n`);
}

if (sections.includes('celery')) {
  log('side by side: payment-worker vs Celery on the same pre-loaded messages');
  const before = load();
  const c = await runCeleryComparison({ messages: orders, log });
  console.log(`## Side by side: ${orders} pre-loaded messages, charge at the provider + ack\n`);
  console.log(
    `${table(
      ['consumer', 'settings', 'first→last charge', 'charges/s', 'until queue drained', 'peak RSS'],
      c.rows.map((r) => [r.name, r.settings, ms(r.chargeSpanMs), r.perSecond.toFixed(0), ms(r.drainMs), mib(r.peakRss)]),
    )}\n`,
  );
  console.log(`ratio (payment-worker charges/s ÷ Celery charges/s): ${c.ratio.toFixed(1)}×; load avg ${before} → ${load()}\n`);
}
