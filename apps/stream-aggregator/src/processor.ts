import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessagesStreamFallbackModes, MessagesStreamModes, type Message, type MessagesStreamFallbackModeValue } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { ROOT_CONTEXT, traceHeadersOf } from '@orderflow/telemetry';
import { CodedError } from '@orderflow/errors';
import {
  BatchReader,
  createReadCommittedConsumer,
  createTransactionalProducer,
  endSpans,
  inTransaction,
  initTransactions,
  measureLag,
  recordLag,
  startKafkaProcessSpan,
  startKafkaSendSpan,
  type KafkaClientSettings,
  type StringConsumer,
  type StringProducer,
} from '@orderflow/kafka';
import type { OffsetResetPolicy } from '@orderflow/consumer-contract';
import type { AnomalyRules } from './anomalies.ts';
import { singleOwnerAssigner } from './assigner.ts';
import { restoreWindows } from './changelog.ts';
import type { AggregatorMetrics } from './metrics.ts';
import { transformBatch, type OutputTopics } from './transform.ts';
import type { StatsView } from './view.ts';
import { WindowStore } from './windows.ts';

type StringMessage = Message<string, string, string, string>;

/** The fallback of a COMMITTED stream for each `ORDERFLOW_KAFKA_OFFSET_RESET` policy. */
const FALLBACK_MODES: Record<OffsetResetPolicy, MessagesStreamFallbackModeValue> = {
  earliest: MessagesStreamFallbackModes.EARLIEST,
  latest: MessagesStreamFallbackModes.LATEST,
};

/** What the processor needs. */
export interface ProcessorOptions {
  settings: KafkaClientSettings;
  sourceTopic: string;
  topics: OutputTopics;
  groupId: string;
  /**
   * Where the group starts on a source partition it has no committed offset for: the
   * pipeline's `source.offsetResetPolicy`, which the operator's lag (and so its scaling)
   * assumes too. The changelog restore does not depend on it: it always replays the changelog
   * from its beginning, and the changelog matches the committed offsets.
   */
  offsetReset: OffsetResetPolicy;
  /** Stable per instance (pod name): a restarted instance fences its predecessor. */
  instanceId: string;
  transactionalIdPrefix: string;
  allowedLatenessMs: number;
  idlePartitionMs: number;
  historyWindows: number;
  rules: AnomalyRules;
  batchMaxRecords: number;
  batchMaxWaitMs: number;
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  lagIntervalMs: number;
  view: StatsView;
  metrics: AggregatorMetrics;
  logger: Logger;
}

/** Why a pipeline run ended and the next one restores from the changelog. */
class Restart extends Error {}

/** Processing status for `/readyz`. */
export interface ProcessorHealth {
  running: boolean;
  owner: boolean;
  lastError?: string;
}

/**
 * Consume-transform-produce in Kafka transactions: each batch of `order-events` records becomes,
 * in ONE transaction, its window updates (`order-stats`), alerts (`order-alerts`), dead letters,
 * changelog records and the consumed offsets (with the group generation: KIP-447 fencing). A
 * read_committed reader therefore sees every input counted exactly once per window, whatever
 * crashes. On any failure or rebalance the run ends and the next one starts clean: it fences
 * the old producer, restores the windows from the changelog (which matches the committed
 * offsets) and resumes from those offsets.
 */
export class Processor {
  readonly #o: ProcessorOptions;
  #stopping = false;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #health: ProcessorHealth = { running: false, owner: false };

  constructor(options: ProcessorOptions) {
    this.#o = options;
  }

  health(): ProcessorHealth {
    return { ...this.#health };
  }

  /** Starts the pipeline in the background; it restarts itself after failures. */
  start(): void {
    this.#loop ??= this.#supervise();
  }

  /** Finishes (commits) the batch in hand, then leaves the group and closes the clients. */
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
        const reason = err instanceof Restart ? 'rebalance' : err instanceof CodedError ? err.code : 'error';
        this.#o.metrics.restarts.inc({ reason });
        this.#health = { running: false, owner: false, lastError: `${reason}: ${(err as Error).message}` };
        this.#o.logger.warn({ err: (err as Error).message, reason, failures }, 'aggregator pipeline restarts from the changelog');
        if (!(err instanceof Restart)) await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
    this.#health = { running: false, owner: false };
  }

  async #runOnce(): Promise<void> {
    const o = this.#o;
    const producer: StringProducer = createTransactionalProducer(o.settings, `${o.transactionalIdPrefix}-${o.instanceId}`);
    let consumer: StringConsumer | undefined;
    let stopLag: (() => void) | undefined;
    try {
      // Fence a predecessor with the same id first: its open transaction is aborted, so the
      // changelog's end (last stable offset) is final before it is read.
      await initTransactions(producer);
      const store = new WindowStore({ allowedLatenessMs: o.allowedLatenessMs, historySize: o.historyWindows, idlePartitionMs: o.idlePartitionMs });
      // A group of its own per restore: never a rebalance waiting on the restore reader of a killed
      // predecessor; it commits nothing, so the empty group is dropped by the broker.
      const restored = await restoreWindows(o.settings, o.topics.changelog, store, `${o.groupId}.restore-${randomUUID()}`);
      o.logger.info({ records: restored.records }, 'windows restored from the changelog');

      consumer = createReadCommittedConsumer(o.settings, { groupId: o.groupId, groupInstanceId: o.instanceId, sessionTimeoutMs: o.sessionTimeoutMs });
      let joins = 0;
      let rebalanced = false;
      consumer.on('consumer:group:join', (payload) => {
        joins += 1;
        const owner = (payload.assignments ?? []).some((a) => a.partitions.length > 0);
        store.assigned((payload.assignments ?? []).filter((a) => a.topic === o.sourceTopic).flatMap((a) => a.partitions), Date.now());
        o.metrics.owner.set(owner ? 1 : 0);
        this.#health = { running: true, owner };
        // The windows are valid for the assignment they were restored for; any later one
        // (partitions moved, grew) restarts from the changelog.
        if (joins > 1) rebalanced = true;
      });
      const stream = await consumer.consume({
        topics: [o.sourceTopic],
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: FALLBACK_MODES[o.offsetReset],
        autocommit: false,
        partitionAssigner: singleOwnerAssigner,
        sessionTimeout: o.sessionTimeoutMs,
        heartbeatInterval: 1_000,
      });
      this.#health = { ...this.#health, running: true };
      const positions = new Map<number, bigint>();
      const partitionsAtStart = (await consumer.metadata({ topics: [o.sourceTopic], forceUpdate: true })).topics.get(o.sourceTopic)?.partitionsCount ?? 0;
      stopLag = this.#watchLag(consumer, positions, partitionsAtStart, () => {
        // Partitions were added: rejoin so the group assigns them (docs/kafka.md, adding partitions).
        rebalanced = true;
      });
      const reader = new BatchReader<StringMessage>(stream, { maxRecords: o.batchMaxRecords, maxWaitMs: o.batchMaxWaitMs });
      while (!this.#stopping) {
        const batch = await reader.next(this.#abort.signal);
        if (rebalanced) throw new Restart('the group rebalanced');
        await this.#process(batch, store, producer, consumer, positions);
      }
      await stream.close().catch(() => undefined);
    } finally {
      stopLag?.();
      await consumer?.close(true).catch(() => undefined);
      await producer.close(true).catch(() => undefined);
    }
  }

  async #process(batch: StringMessage[], store: WindowStore, producer: StringProducer, consumer: StringConsumer, positions: Map<number, bigint>): Promise<void> {
    const o = this.#o;
    const started = process.hrtime.bigint();
    // Each record's processing joins the trace of the order it carries (the relay's send span is
    // its parent); the spans end when the transaction holding their offsets is settled.
    const spans = batch.map((m) => startKafkaProcessSpan(m, o.groupId));
    const out = transformBatch(
      batch.map((m) => ({ key: m.key, value: m.value, headers: m.headers, topic: m.topic, partition: m.partition, offset: m.offset })),
      store,
      o.rules,
      o.topics,
      new Date(),
    );
    spans.forEach((span, i) => {
      const outcome = out.recordOutcomes[i];
      if (outcome !== undefined) span.setAttribute('orderflow.aggregator.outcome', outcome);
      if (outcome === 'dead_lettered') span.addEvent('record.dead_lettered', { 'messaging.destination.name': o.topics.deadLetter });
    });
    if (out.messages.length === 0 && batch.length === 0) return;
    // The window updates and alerts sum many orders: one send span per output topic, in a trace
    // of its own, linked to the records' process spans; its context travels in their headers.
    for (const topic of [o.topics.stats, o.topics.alerts]) {
      const records = out.messages.filter((m) => m.topic === topic);
      if (records.length === 0) continue;
      const send = startKafkaSendSpan({ topic, parent: ROOT_CONTEXT, batchSize: records.length, links: spans });
      const headers = traceHeadersOf(send);
      for (const m of records) m.headers = { ...m.headers, ...headers };
      spans.push(send);
    }
    const lastPerPartition = new Map<string, StringMessage>();
    for (const m of batch) lastPerPartition.set(`${m.topic}:${m.partition}`, m);
    await inTransaction(
      producer,
      async (tx) => {
        if (out.messages.length > 0) await tx.send({ messages: out.messages });
        if (batch.length === 0) return;
        await tx.addConsumer(consumer);
        for (const m of lastPerPartition.values()) await tx.addOffset(m);
      },
      { timeoutMs: o.transactionTimeoutMs },
    ).catch((err: unknown) => {
      o.metrics.transactions.inc({ outcome: 'aborted' });
      endSpans(spans, err);
      // The windows in memory are ahead of what was committed: this run is over.
      throw err;
    });
    endSpans(spans);
    for (const m of lastPerPartition.values()) positions.set(m.partition, m.offset + 1n);
    o.metrics.transactions.inc({ outcome: 'committed' });
    o.metrics.transactionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (batch.length > 0) o.metrics.batchSize.observe(batch.length);
    for (const [outcome, n] of Object.entries(out.outcomes)) if (n > 0) o.metrics.events.inc({ outcome }, n);
    for (const a of out.alerts) o.metrics.alerts.inc({ kind: a.kind });
    o.metrics.windowsFinal.inc(out.stats.filter((s) => s.final).length);
    o.view.committed(out.stats, out.alerts);
  }

  async #sampleLag(consumer: StringConsumer, positions: Map<number, bigint>): Promise<void> {
    const topic = this.#o.sourceTopic;
    const owned = (consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions);
    const unknown = owned.filter((p) => !positions.has(p));
    // Not processed in this run yet: the group's committed offset is the position. Without one
    // the reset policy decides, as in the operator's lag: `earliest` starts at the log start
    // (everything retained is lag); `latest` started at the log end, so it reports 0 until this
    // run has processed a record there (a quiet partition is never stuck at its whole length).
    const atEnd = new Set<number>();
    if (unknown.length > 0) {
      const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: unknown }] })).get(topic) ?? [];
      for (const p of unknown) {
        // A batch may have committed meanwhile: its position is newer than the group's.
        if (positions.has(p)) continue;
        const offset = committed[p] ?? -1n;
        if (offset >= 0n) positions.set(p, offset);
        else if (this.#o.offsetReset === 'earliest') positions.set(p, 0n);
        else atEnd.add(p);
      }
    }
    const lag = await measureLag(consumer, new Map([[topic, new Map(owned.filter((p) => !atEnd.has(p)).map((p) => [p, positions.get(p) ?? 0n]))]]));
    for (const p of atEnd) lag.get(topic)?.set(p, 0n);
    recordLag(this.#o.metrics.lag, this.#o.groupId, lag);
  }

  /** Samples lag per partition, and notices when the source topic got more partitions. */
  #watchLag(consumer: StringConsumer, positions: Map<number, bigint>, partitions: number, onGrown: () => void): () => void {
    const timer = setInterval(() => {
      consumer.metadata({ topics: [this.#o.sourceTopic], forceUpdate: true }).then(
        (m) => {
          if ((m.topics.get(this.#o.sourceTopic)?.partitionsCount ?? 0) > partitions) onGrown();
        },
        () => undefined,
      );
      this.#sampleLag(consumer, positions).catch(() => undefined);
    }, this.#o.lagIntervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
