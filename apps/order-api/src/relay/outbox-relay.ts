import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { CodedError } from '@orderflow/errors';
import { BrokerUnavailable, ConfirmTimeout, TopologyFailed, Unroutable, requiresSubscriber, type ConfirmPublisher, type OutgoingMessage } from '@orderflow/messaging';
import { withTransaction, type Pool } from '@orderflow/pg';
import { breakerGaugeValue, breakerStateName, endSpanWithError, extractTraceContext, startMessagingSpan, traceHeadersOf } from '@orderflow/telemetry';
import type { OrderApiMetrics } from '../metrics.ts';

/** Options for {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  pool: Pool;
  publisher: ConfirmPublisher;
  logger: Logger;
  metrics: OrderApiMetrics;
  batchSize: number;
  pollIntervalMs: number;
  maxBackoffMs: number;
}

interface OutboxRow {
  id: string;
  exchange: string;
  routing_key: string;
  event_type: string;
  payload: { eventId?: string; occurredAt?: string };
  headers: Record<string, unknown>;
  /** W3C trace context of the request that wrote the row. */
  trace_context: Record<string, unknown>;
  created_at: Date;
}

/** How the relay is doing, for readiness: failing since when, how often, and why. */
export interface RelayHealth {
  ok: boolean;
  consecutiveFailures: number;
  failingSince?: Date;
  lastError?: string;
}

/** The `outcome` label of a failed attempt: says why rows stayed in the outbox. */
function failureOutcome(err: unknown): string {
  if (err instanceof BrokenCircuitError) return 'breaker_open';
  if (BrokerUnavailable.is(err)) return 'broker_unavailable';
  if (Unroutable.is(err)) return 'unroutable';
  if (ConfirmTimeout.is(err)) return 'confirm_timeout';
  if (TopologyFailed.is(err)) return 'topology_failed';
  return 'failed';
}

/**
 * Publishes unpublished outbox rows in id order, in batches, with publisher confirms, and
 * marks them sent in one UPDATE only after every message of the batch was confirmed — in the
 * same transaction that locked them (`FOR UPDATE SKIP LOCKED`, so replicas never publish a row
 * twice at once). If the broker is down the rows stay and are retried with backoff behind a
 * circuit breaker; a crash between confirm and commit republishes (at-least-once; consumers
 * deduplicate on `messageId`). A returned (unroutable) message or an overdue confirm fails the
 * whole batch: the transaction rolls back, every row of it stays unsent and is retried.
 */
export class OutboxRelay {
  readonly #o: OutboxRelayOptions;
  readonly #breaker: CircuitBreakerPolicy;
  #wake: (() => void) | undefined;
  #pendingWake = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #health: RelayHealth = { ok: true, consecutiveFailures: 0 };

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    // Built once for the one downstream (RabbitMQ); its state feeds a gauge.
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: new ExponentialBackoff({ initialDelay: 500, maxDelay: options.maxBackoffMs }),
      breaker: new ConsecutiveBreaker(3),
    });
    this.#breaker.onStateChange((state) => {
      options.metrics.relayBreakerState.set(breakerGaugeValue(state));
      options.logger.warn({ state: breakerStateName(state) }, 'outbox relay circuit breaker changed state');
    });
    options.metrics.relayConsecutiveFailures.set(0);
  }

  /** The outcome of the latest attempts (for `/readyz`). */
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

  /**
   * Stops after the batch in hand is confirmed and marked; with `drainMs`, first keeps
   * publishing until no row is left or the time is up (graceful shutdown).
   */
  async stop(options: { drainMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.drainMs ?? 0);
    this.#stopping = true;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
    while (Date.now() < deadline) {
      try {
        const n = await this.publishOnce();
        if (n === 0) break;
      } catch (err) {
        this.#o.logger.warn({ err: (err as Error).message }, 'outbox not fully drained at shutdown; the rows stay for the next start');
        break;
      }
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      this.#pendingWake = false;
      let published = 0;
      try {
        published = await this.#breaker.execute(() => this.publishOnce());
        failures = 0;
        this.#health = { ok: true, consecutiveFailures: 0 };
        this.#o.metrics.relayConsecutiveFailures.set(0);
      } catch (err) {
        failures += 1;
        this.#o.metrics.relayRetries.inc();
        const outcome = failureOutcome(err);
        this.#o.metrics.relayBatches.inc({ outcome });
        const code = err instanceof CodedError ? err.code : undefined;
        // An open breaker only repeats the failure that opened it: keep that one as the reason.
        const lastError = outcome === 'breaker_open' && this.#health.lastError !== undefined ? this.#health.lastError : `${code === undefined ? '' : `${code}: `}${(err as Error).message}`;
        this.#health = { ok: false, consecutiveFailures: failures, failingSince: this.#health.failingSince ?? new Date(), lastError };
        this.#o.metrics.relayConsecutiveFailures.set(failures);
        if (failures === 1 || failures % 20 === 0) {
          this.#o.logger.warn({ err: (err as Error).message, code, outcome, failures }, 'outbox relay could not publish; rows stay in the outbox');
        }
        await this.#idle(Math.min(this.#o.maxBackoffMs, 100 * 2 ** Math.min(failures, 10)), false);
        continue;
      }
      if (published < this.#o.batchSize) await this.#idle(this.#o.pollIntervalMs, true);
    }
  }

  /** Waits for a wake-up or the timeout; a stop always ends the wait. */
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

  /** One batch: lock, publish with confirms, mark sent, commit. Returns rows published. */
  async publishOnce(): Promise<number> {
    const rows = await withTransaction(this.#o.pool, async (client) => {
      const { rows: locked } = await client.query<OutboxRow>(
        `select id, exchange, routing_key, event_type, payload, headers, trace_context, created_at
           from outbox where published_at is null
          order by id limit $1
          for update skip locked`,
        [this.#o.batchSize],
      );
      if (locked.length === 0) return locked;
      // One publish span per row, in the trace of the request that wrote it; the message
      // carries the span as its parent so the consumer's work joins the same trace.
      const spans = locked.map((r) => startMessagingSpan({
        system: 'rabbitmq',
        operation: 'send',
        operationName: 'publish',
        destination: r.exchange,
        parent: extractTraceContext(r.trace_context),
        attributes: {
          'messaging.message.id': r.payload.eventId ?? `outbox-${r.id}`,
          'messaging.rabbitmq.destination.routing_key': r.routing_key,
          'messaging.batch.message_count': locked.length,
        },
      }));
      const messages: OutgoingMessage[] = locked.map((r, i) => ({
        exchange: r.exchange,
        routingKey: r.routing_key,
        type: r.event_type,
        messageId: r.payload.eventId ?? `outbox-${r.id}`,
        body: r.payload,
        headers: { ...r.headers, ...traceHeadersOf(spans[i]!) },
        timestamp: r.created_at.getTime(),
        // A row no queue receives fails the batch and stays unsent, unless its subscribers are optional.
        mandatory: requiresSubscriber(r.exchange, r.routing_key),
      }));
      try {
        // Marked sent in the same transaction, only after the broker confirmed (and returned none
        // of) every message. The publisher's confirm deadline bounds how long the rows stay locked.
        await this.#o.publisher.publishBatch(messages);
        await client.query('update outbox set published_at = now() where id = any($1::bigint[])', [locked.map((r) => r.id)]);
      } catch (err) {
        for (const span of spans) endSpanWithError(span, err);
        throw err;
      }
      for (const span of spans) span.end();
      return locked;
    });
    if (rows.length === 0) return 0;
    const now = Date.now();
    for (const r of rows) this.#o.metrics.relayLagSeconds.observe((now - r.created_at.getTime()) / 1000);
    this.#o.metrics.relayRows.inc(rows.length);
    this.#o.metrics.relayBatches.inc({ outcome: 'published' });
    return rows.length;
  }
}
