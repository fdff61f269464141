import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createIdempotentProducer, type KafkaClientSettings } from '@orderflow/kafka';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** One producer's figures. */
export interface ProducerFigures {
  records: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  /** Extra detail the tool printed (Java: its latency summary). */
  detail: string;
}

/**
 * @platformatic/kafka's idempotent producer (acks=all), as packages/kafka builds it: `records`
 * values of `recordSize` bytes without keys, sent `batch` per request with `inFlight` requests
 * outstanding (an idempotent producer keeps at most 5 per partition).
 */
export async function nodeProducerThroughput(settings: KafkaClientSettings, topic: string, options: { records: number; recordSize: number; batch: number; inFlight: number }): Promise<ProducerFigures> {
  const producer = createIdempotentProducer(settings);
  const value = randomBytes(options.recordSize / 2).toString('hex');
  try {
    // Connection and producer id first, as the Java tool does before its clock starts.
    await producer.send({ messages: [{ topic, value }] });
    let sent = 0;
    const started = process.hrtime.bigint();
    const lane = async (): Promise<void> => {
      while (sent < options.records) {
        const n = Math.min(options.batch, options.records - sent);
        sent += n;
        await producer.send({ messages: Array.from({ length: n }, () => ({ topic, value })) });
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, lane));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      records: options.records,
      recordsPerSecond: options.records / seconds,
      mibPerSecond: (options.records * options.recordSize) / seconds / 1_048_576,
      detail: `batch ${options.batch}, ${options.inFlight} requests in flight`,
    };
  } finally {
    await producer.close();
  }
}

/** The jars hack/services/kafka.sh cached (kafka-tools included), keyed as that script keys them. */
function kafkaLibs(): string {
  const pom = join(repoRoot, 'hack/kafka/pom.xml');
  const version = /<kafka\.version>(.*)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'))?.[1];
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 10);
  return join(process.env.ORDERFLOW_CACHE ?? join(homedir(), '.cache/orderflow'), 'kafka', `${version}-${hash}`, 'libs/*');
}

/**
 * Kafka's own `org.apache.kafka.tools.ProducerPerformance` (the Java client, same broker, same
 * jars as the broker) with acks=all and idempotence: the reference for what the broker takes here.
 */
export async function javaProducerThroughput(brokers: string, topic: string, options: { records: number; recordSize: number }): Promise<ProducerFigures> {
  const { stdout } = await run(
    'java',
    [
      '-Xmx512m',
      '-cp',
      kafkaLibs(),
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(options.records),
      '--record-size',
      String(options.recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // The summary line: "N records sent, R records/sec (M MB/sec), A ms avg latency, ..."
  const summary = stdout.trim().split('\n').filter((l) => l.includes('records sent')).at(-1) ?? '';
  const m = /([\d.]+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(summary);
  if (m === null) throw new Error(`ProducerPerformance printed no summary:\n${stdout.slice(-2_000)}`);
  return { records: Number(m[1]), recordsPerSecond: Number(m[2]), mibPerSecond: Number(m[3]), detail: summary.slice(summary.indexOf(')') + 3) };
}
