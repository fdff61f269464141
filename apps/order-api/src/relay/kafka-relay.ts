import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CodedError } from '@orderflow/errors';
import { KafkaUnavailable, ORDER_EVENT_HEADERS, ProducerFenced, TOPICS, endSpans, inTransaction, startKafkaSendSpan, type StringProducer } from '@orderflow/kafka';
import { extractTraceContext, traceHeadersOf } from '@orderflow/telemetry';
import { withTransaction, type Pool } from '@orderflow/pg';
import type { RelayHealth } from './outbox-relay.ts';
import type { KafkaRelayMetrics } from './kafka-relay-metrics.ts';

/** Outbox event types that are order events and go to `order-events` (others are only marked). */
const ORDER_EVENT_TYPES = new Set(['order.created', 'order.status_changed']);

/** Options for {@link KafkaRelay}. */
export interface KafkaRelayOptions {
  pool: Pool;
  /**
   * Makes the transactional producer (`createTransactionalProducer`, the same transactional id
   * in every replica: whichever replica takes over fences the one before). Called again after
   * this replica was fenced.
   */
  createProducer: () => StringProducer;
  logger: Logger;
  metrics: KafkaRelayMetrics;
  batchSize: number;
  pollIntervalMs: number;
  maxBackoffMs: number;
  /**
   * Longest one Kafka transaction may take before the batch counts as failed (the rows stay and
   * the database transaction holding the relay lock ends): keep it below the database's idle-in-
   * transaction timeout.
   */
  transactionTimeoutMs: number;
  topic?: string;
  /**
   * Called after the Kafka transaction committed and before the rows are marked; a throw here
   * is a crash at the worst moment (tests prove duplicates are then dropped downstream).
   */
  afterKafkaCommit?: (outboxIds: string[]) => Promise<void>;
}

interface KafkaOutboxRow {
  id: string;
  aggregate_id: string;
  event_type: string;
  payload: { eventId?: string };
  /** W3C trace context of the request that wrote the row. */
  trace_context: Record<string, unknown> | null;
  created_at: Date;
}

// One Kafka relay at a time across order-api replicas (a transaction-scoped advisory lock), so
// rows reach order-events in outbox id order and one order's events keep their order.
const RELAY_LOCK_KEY = 'order-api.outbox-kafka-relay';

/**
 * Publishes outbox order events to Kafka `order-events` (key = order id, headers `event-id`,
 * `event-type`), one Kafka transaction per batch (idempotent, acks=all), and marks the rows
 * `kafka_published_at` after the commit, independently of the RabbitMQ relay. Kafka being down
 * never blocks intake or the RabbitMQ relay: rows wait, retried with backoff. A crash between
 * the Kafka commit and the marking republishes the batch; the events keep their `eventId`, and
 * the stream aggregator drops repeats by event id (docs/kafka.md).
 */
export class KafkaRelay {
  readonly #o: KafkaRelayOptions;
  readonly #topic: string;
  #producer: StringProducer | undefined;
  #wake: (() => void) | undefined;
  #pendingWake = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #health: RelayHealth = { ok: true, consecutiveFailures: 0 };

  constructor(options: KafkaRelayOptions) {
    this.#o = options;
    this.#topic = options.topic ?? TOPICS.orderEvents;
  }

  /** The outcome of the latest attempts (for `/readyz`, reported as non-critical). */
  health(): RelayHealth {
    return { ...this.#health };
  }

  /** Starts the loop in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** New rows were committed: publish now rather than at the next poll. */
  wake(): void {
    this.#pendingWake = true;
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Stops after the batch in hand; with `drainMs`, first keeps publishing until none is left or time is up. */
  async stop(options: { drainMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.drainMs ?? 0);
    this.#stopping = true;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
    while (Date.now() < deadline) {
      try {
        if ((await this.publishOnce()) === 0) break;
      } catch (err) {
        this.#o.logger.warn({ err: (err as Error).message }, 'outbox not fully sent to Kafka at shutdown; the rows stay for the next start');
        break;
      }
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      this.#pendingWake = false;
      let published: number;
      try {
        published = await this.publishOnce();
        failures = 0;
        this.#health = { ok: true, consecutiveFailures: 0 };
      } catch (err) {
        failures += 1;
        const code = err instanceof CodedError ? err.code : undefined;
        this.#o.metrics.batches.inc({ outcome: ProducerFenced.is(err) ? 'fenced' : KafkaUnavailable.is(err) ? 'kafka_unavailable' : 'failed' });
        this.#health = {
          ok: false,
          consecutiveFailures: failures,
          failingSince: this.#health.failingSince ?? new Date(),
          lastError: `${code === undefined ? '' : `${code}: `}${(err as Error).message}`,
        };
        if (failures === 1 || failures % 20 === 0) {
          this.#o.logger.warn({ err: (err as Error).message, code, failures }, 'Kafka relay could not publish; rows stay in the outbox');
        }
        await this.#idle(Math.min(this.#o.maxBackoffMs, 100 * 2 ** Math.min(failures, 10)), false);
        continue;
      }
      if (published < this.#o.batchSize) await this.#idle(this.#o.pollIntervalMs, true);
    }
  }

  async #idle(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopping || (wakeable && this.#pendingWake)) return;
    const ac = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.#wake = () => {
        if (wakeable || this.#stopping) resolve();
      };
    });
    await Promise.race([woken, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)]);
    ac.abort();
    this.#wake = undefined;
  }

  async #send(messages: { topic: string; key: string; value: string; headers: Record<string, string> }[]): Promise<void> {
    this.#producer ??= this.#o.createProducer();
    try {
      await inTransaction(this.#producer, (tx) => tx.send({ messages }), { timeoutMs: this.#o.transactionTimeoutMs });
    } catch (err) {
      // A fenced producer is dead for good (another replica took over; the next attempt's new
      // producer fences it in turn), and one that timed out may still be retrying: replace it.
      const failed = this.#producer;
      this.#producer = undefined;
      await failed.close(true).catch(() => undefined);
      throw err;
    }
  }

  /** Closes the producer (after `stop`). */
  async close(): Promise<void> {
    await this.#producer?.close().catch(() => undefined);
    this.#producer = undefined;
  }

  /** One batch: take the relay lock, read unsent rows, one Kafka transaction, mark, commit. Returns rows marked. */
  async publishOnce(): Promise<number> {
    const rows = await withTransaction(this.#o.pool, async (client) => {
      const { rows: lock } = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [RELAY_LOCK_KEY]);
      if (lock[0]?.ok !== true) {
        this.#o.metrics.batches.inc({ outcome: 'standby' });
        return [];
      }
      // No row locks: the RabbitMQ relay locks these rows (FOR UPDATE SKIP LOCKED) for its own
      // batches, and must not skip rows because this relay is reading them.
      const { rows: batch } = await client.query<KafkaOutboxRow>(
        `select id, aggregate_id, event_type, payload, trace_context, created_at
           from outbox where kafka_published_at is null
          order by id limit $1`,
        [this.#o.batchSize],
      );
      if (batch.length === 0) return batch;
      const events = batch.filter((r) => ORDER_EVENT_TYPES.has(r.event_type));
      // One send span per record, in the trace of the request that wrote the row; the record
      // carries it as the parent of its consumers' spans. Settled with the transaction.
      const spans = events.map((r) => startKafkaSendSpan({
        topic: this.#topic,
        parent: extractTraceContext(r.trace_context),
        key: r.aggregate_id,
        messageId: r.payload.eventId ?? `outbox-${r.id}`,
        batchSize: events.length,
      }));
      const messages = events.map((r, i) => ({
        topic: this.#topic,
        key: r.aggregate_id,
        value: JSON.stringify(r.payload),
        headers: { [ORDER_EVENT_HEADERS.eventId]: r.payload.eventId ?? `outbox-${r.id}`, [ORDER_EVENT_HEADERS.eventType]: r.event_type, ...traceHeadersOf(spans[i]!) },
      }));
      if (messages.length > 0) {
        try {
          await this.#send(messages);
        } catch (err) {
          endSpans(spans, err);
          throw err;
        }
        endSpans(spans);
      }
      const ids = batch.map((r) => r.id);
      await this.#o.afterKafkaCommit?.(ids);
      await client.query('update outbox set kafka_published_at = now() where id = any($1::bigint[])', [ids]);
      return batch;
    });
    if (rows.length === 0) return 0;
    const now = Date.now();
    for (const r of rows) this.#o.metrics.lagSeconds.observe((now - r.created_at.getTime()) / 1000);
    this.#o.metrics.rows.inc(rows.length);
    this.#o.metrics.batches.inc({ outcome: 'published' });
    return rows.length;
  }
}
