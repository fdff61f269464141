import { setTimeout as sleep } from 'node:timers/promises';
import { MessagesStreamFallbackModes, MessagesStreamModes, type Message, type MessagesStreamFallbackModeValue } from '@platformatic/kafka';
import type { OffsetResetPolicy } from '@orderflow/consumer-contract';
import type { Client } from '@opensearch-project/opensearch';
import type { Logger } from 'pino';
import type { Span } from '@orderflow/telemetry';
import { CodedError } from '@orderflow/errors';
import {
  BatchReader,
  DEAD_LETTER_HEADERS,
  createIdempotentProducer,
  createReadCommittedConsumer,
  endSpans,
  measureLag,
  recordLag,
  startKafkaProcessSpan,
  withTraceHeaders,
  type KafkaClientSettings,
  type StringConsumer,
  type StringProducer,
} from '@orderflow/kafka';
import { BulkWriter, type ActionOutcome } from './bulk-writer.ts';
import { planAlert, planOrderEvent, rejection, type PlannedRecord } from './documents.ts';
import type { IndexNames } from './index-layout.ts';
import type { IndexerMetrics } from './metrics.ts';

type StringMessage = Message<string, string, string, string>;

/** The fallback of a COMMITTED stream for each `ORDERFLOW_KAFKA_OFFSET_RESET` policy. */
const FALLBACK_MODES: Record<OffsetResetPolicy, MessagesStreamFallbackModeValue> = {
  earliest: MessagesStreamFallbackModes.EARLIEST,
  latest: MessagesStreamFallbackModes.LATEST,
};

/** What the indexer needs. */
export interface IndexerOptions {
  settings: KafkaClientSettings;
  client: Client;
  names: IndexNames;
  eventsTopic: string;
  alertsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  /** Where the group starts on a partition it has no committed offset for (the pipeline's `source.offsetResetPolicy`). */
  offsetReset: OffsetResetPolicy;
  instanceId: string;
  batchMaxRecords: number;
  batchMaxWaitMs: number;
  bulkRetryMaxMs: number;
  sessionTimeoutMs: number;
  lagIntervalMs: number;
  metrics: IndexerMetrics;
  logger: Logger;
}

/** Status for `/readyz` and the page. */
export interface IndexerHealth {
  consuming: boolean;
  /** True while a batch waits for OpenSearch. */
  backpressure: boolean;
  lastError?: string;
}

/**
 * Kafka `order-events` and `order-alerts` into OpenSearch, at least once and idempotent: a
 * batch is turned into one bulk request; its offsets are committed only once every action has
 * a final outcome (indexed, duplicate, or rejected and dead-lettered). Any failure ends the
 * run without committing; the next run reads the uncommitted records again and the event ids
 * make the second write a no-op.
 */
export class Indexer {
  readonly #o: IndexerOptions;
  readonly #writer: BulkWriter;
  #stopping = false;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #health: IndexerHealth = { consuming: false, backpressure: false };

  constructor(options: IndexerOptions) {
    this.#o = options;
    this.#writer = new BulkWriter(options.client, {
      retryMaxMs: options.bulkRetryMaxMs,
      events: {
        onRetry: (why, attempt) => {
          options.metrics.backpressure.set(1);
          options.metrics.bulkRetries.inc();
          this.#health = { ...this.#health, backpressure: true, lastError: `OpenSearch: ${why}` };
          if (attempt === 1 || attempt % 10 === 0) options.logger.warn({ why, attempt }, 'OpenSearch did not take the batch; consumption paused, retrying');
        },
        onRecovered: () => {
          options.metrics.backpressure.set(0);
          this.#health = { consuming: this.#health.consuming, backpressure: false };
          options.logger.info('OpenSearch took the batch; consumption resumes');
        },
        onRequest: (outcome, seconds) => {
          options.metrics.bulkRequests.inc({ outcome });
          options.metrics.bulkSeconds.observe(seconds);
        },
      },
    });
  }

  health(): IndexerHealth {
    return { ...this.#health };
  }

  /** Starts consuming in the background; it restarts itself after failures. */
  start(): void {
    this.#loop ??= this.#supervise();
  }

  /** Abandons the batch in hand (it is not committed, so it is read again) and leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    await this.#loop;
  }

  async #supervise(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        await this.#runOnce();
        failures = 0;
      } catch (err) {
        if (this.#stopping) break;
        failures += 1;
        const reason = err instanceof CodedError ? err.code : 'error';
        this.#o.metrics.restarts.inc({ reason });
        this.#health = { consuming: false, backpressure: false, lastError: `${reason}: ${(err as Error).message}` };
        this.#o.logger.warn({ err: (err as Error).message, reason, failures }, 'indexer restarts from the committed offsets');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
    this.#health = { consuming: false, backpressure: false };
  }

  async #runOnce(): Promise<void> {
    const o = this.#o;
    const producer: StringProducer = createIdempotentProducer(o.settings);
    const consumer: StringConsumer = createReadCommittedConsumer(o.settings, { groupId: o.groupId, groupInstanceId: o.instanceId, sessionTimeoutMs: o.sessionTimeoutMs });
    const positions = new Map<string, Map<number, bigint>>();
    const lagTimer = setInterval(() => {
      this.#sampleLag(consumer, positions).catch(() => undefined);
    }, o.lagIntervalMs);
    lagTimer.unref();
    try {
      const stream = await consumer.consume({
        topics: [o.eventsTopic, o.alertsTopic],
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: FALLBACK_MODES[o.offsetReset],
        autocommit: false,
        sessionTimeout: o.sessionTimeoutMs,
        heartbeatInterval: 1_000,
      });
      consumer.on('consumer:group:join', () => positions.clear());
      this.#health = { consuming: true, backpressure: false };
      const reader = new BatchReader<StringMessage>(stream, { maxRecords: o.batchMaxRecords, maxWaitMs: o.batchMaxWaitMs });
      while (!this.#stopping) {
        const batch = await reader.next(this.#abort.signal);
        if (batch.length === 0) continue;
        await this.#process(batch, producer, consumer, positions);
      }
      await stream.close().catch(() => undefined);
    } finally {
      clearInterval(lagTimer);
      await consumer.close(true).catch(() => undefined);
      await producer.close(true).catch(() => undefined);
    }
  }

  async #process(batch: StringMessage[], producer: StringProducer, consumer: StringConsumer, positions: Map<string, Map<number, bigint>>): Promise<void> {
    // Each record's indexing joins the trace of what produced it (the relay's or the aggregator's
    // span); the spans end once the offsets are committed, or as failed when the batch is not.
    const spans = batch.map((m) => startKafkaProcessSpan(m, this.#o.groupId));
    try {
      await this.#indexBatch(batch, spans, producer, consumer, positions);
    } catch (err) {
      endSpans(spans, err);
      throw err;
    }
    endSpans(spans);
  }

  async #indexBatch(batch: StringMessage[], spans: Span[], producer: StringProducer, consumer: StringConsumer, positions: Map<string, Map<number, bigint>>): Promise<void> {
    const o = this.#o;
    const now = new Date();
    const plans: PlannedRecord[] = batch.map((m) =>
      m.topic === o.alertsTopic ? planAlert(o.names, m.value) : planOrderEvent(o.names, m.value, { topic: m.topic, partition: m.partition, offset: m.offset }, now),
    );
    const actions = plans.flatMap((p) => ('actions' in p ? p.actions : []));
    const outcomes = actions.length === 0 ? [] : await this.#writer.write(actions, this.#abort.signal);

    // Map the per-action outcomes back to records: a record is dead-lettered when anything it
    // needed was rejected, a duplicate when its event document existed already.
    const deadLetters: { message: StringMessage; error: CodedError; span: Span }[] = [];
    let cursor = 0;
    batch.forEach((message, i) => {
      const plan = plans[i]!;
      const span = spans[i]!;
      if ('invalid' in plan) {
        deadLetters.push({ message, error: plan.invalid, span });
        return;
      }
      const own: ActionOutcome[] = outcomes.slice(cursor, cursor + plan.actions.length);
      cursor += plan.actions.length;
      const rejected = own.find((x) => x.kind === 'rejected');
      if (rejected !== undefined && rejected.kind === 'rejected') deadLetters.push({ message, error: rejection(rejected.type, rejected.reason), span });
      else {
        const outcome = own[0]?.kind === 'duplicate' ? 'duplicate' : 'indexed';
        o.metrics.records.inc({ topic: message.topic, outcome });
        span.setAttribute('orderflow.indexer.outcome', outcome);
      }
    });
    for (const { error, span } of deadLetters) {
      span.setAttribute('orderflow.indexer.outcome', 'dead_lettered');
      span.addEvent('record.dead_lettered', { 'messaging.destination.name': o.deadLetterTopic, 'error.type': error.code, 'orderflow.reason': error.message });
    }

    if (deadLetters.length > 0) {
      await producer.send({
        messages: deadLetters.map(({ message, error, span }) => ({
          topic: o.deadLetterTopic,
          key: message.key,
          value: message.value,
          // The dead letter continues the trace from the span that gave up on the record.
          headers: new Map<string, string>([
            ...Object.entries(withTraceHeaders(Object.fromEntries(message.headers), span)),
            [DEAD_LETTER_HEADERS.reason, error.message],
            [DEAD_LETTER_HEADERS.code, error.code],
            [DEAD_LETTER_HEADERS.sourceTopic, message.topic],
            [DEAD_LETTER_HEADERS.sourcePartition, String(message.partition)],
            [DEAD_LETTER_HEADERS.sourceOffset, message.offset.toString()],
          ]),
        })),
      });
      for (const { message, error } of deadLetters) {
        o.metrics.records.inc({ topic: message.topic, outcome: 'dead_lettered' });
        o.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset.toString(), code: error.code, reason: error.message }, 'record dead-lettered');
      }
    }

    // Only now is every record of the batch accounted for: commit the next offset per partition.
    const last = new Map<string, StringMessage>();
    for (const m of batch) last.set(`${m.topic}:${m.partition}`, m);
    await consumer.commit({ offsets: [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })) });
    for (const m of last.values()) {
      const perTopic = positions.get(m.topic) ?? new Map<number, bigint>();
      perTopic.set(m.partition, m.offset + 1n);
      positions.set(m.topic, perTopic);
    }
    o.metrics.batchSize.observe(batch.length);
    const ackedAt = Date.now();
    for (const m of batch) o.metrics.indexLagSeconds.observe(Math.max(0, ackedAt - Number(m.timestamp)) / 1000);
  }

  async #sampleLag(consumer: StringConsumer, positions: Map<string, Map<number, bigint>>): Promise<void> {
    const owned = new Map<string, number[]>();
    for (const a of consumer.assignments ?? []) owned.set(a.topic, a.partitions);
    const unknown = [...owned].map(([topic, partitions]) => ({ topic, partitions: partitions.filter((p) => !positions.get(topic)?.has(p)) })).filter((t) => t.partitions.length > 0);
    if (unknown.length > 0) {
      // Not processed in this run yet: the group's committed offset is the position (none: 0).
      const committed = await consumer.listCommittedOffsets({ topics: unknown });
      for (const { topic, partitions } of unknown) {
        const perTopic = positions.get(topic) ?? new Map<number, bigint>();
        for (const p of partitions) {
          const offset = committed.get(topic)?.[p] ?? -1n;
          if (!perTopic.has(p)) perTopic.set(p, offset < 0n ? 0n : offset);
        }
        positions.set(topic, perTopic);
      }
    }
    const snapshot = new Map([...owned].map(([topic, partitions]) => [topic, new Map(partitions.map((p) => [p, positions.get(topic)?.get(p) ?? 0n]))]));
    recordLag(this.#o.metrics.lag, this.#o.groupId, await measureLag(consumer, snapshot));
  }

}
