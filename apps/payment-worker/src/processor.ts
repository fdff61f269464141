import { CodedError } from '@orderflow/errors';
import type { Logger } from '@orderflow/logging';
import { EXCHANGES, HEADERS, OrderCreatedEvent, QUEUES, parseMessage, type ConfirmPublisher, type OutgoingMessage } from '@orderflow/messaging';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ConsumeMessage } from 'amqplib';
import type { Pool, PoolClient } from 'pg';
import { AckTracker, type AckOp } from './ack-tracker.ts';
import type { WorkerConfig } from './config.ts';
import { BreakerOpen, PoisonMessage, RetriesExhausted } from './errors.ts';
import type { Outcome, WorkerMetrics } from './metrics.ts';
import { paidAmong, writePayments, type PaymentTransition, type PaymentWrite } from './payments-store.ts';
import type { ProviderClient } from './provider-client.ts';
import type { ProviderPolicy } from './provider-policy.ts';
import { planFailure } from './retry-plan.ts';
import { PARKED_ROUTING_KEY } from './topology.ts';

const checker = TypeCompiler.Compile(OrderCreatedEvent);

/** Order status changes written in the same transaction as the payments (`@orderflow/order-status`). */
export type RecordTransitions = (client: PoolClient, transitions: readonly PaymentTransition[]) => Promise<void>;

/** What the processor needs; one processor lives as long as one consumer channel. */
export interface ProcessorDeps {
  config: Pick<WorkerConfig, 'CONCURRENCY' | 'BATCH_SIZE' | 'BATCH_LINGER_MS' | 'FLUSH_CONCURRENCY' | 'MAX_RETRIES'>;
  pool: Pool;
  publisher: Pick<ConfirmPublisher, 'publishBatch'>;
  provider: ProviderClient;
  policy: ProviderPolicy;
  recordTransitions: RecordTransitions;
  /** Sends one ack on the consumer channel. */
  ack: (op: AckOp) => void;
  /** The batch could not be written; the owner closes the channel so the broker redelivers. */
  onFatal: (err: unknown) => void;
  metrics: WorkerMetrics;
  logger: Logger;
}

interface Settled {
  message: ConsumeMessage;
  outcome: Outcome;
  payment?: PaymentWrite;
  /** Copy to publish before the ack (retry, park, dead letter). */
  republish?: OutgoingMessage;
}

function reasonOf(err: unknown): { code: string; message: string } {
  if (err instanceof CodedError) return { code: err.code, message: err.message };
  return { code: 'PAYMENTS_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** The message again, with its own properties and headers (x-death kept so retries add up). */
function copyOf(message: ConsumeMessage, exchange: string, routingKey: string, extraHeaders: Record<string, unknown> = {}): OutgoingMessage {
  const p = message.properties;
  return {
    exchange,
    routingKey,
    body: message.content,
    messageId: typeof p.messageId === 'string' ? p.messageId : '',
    type: typeof p.type === 'string' ? p.type : 'unknown',
    headers: { ...(p.headers ?? {}), ...extraHeaders },
    ...(typeof p.timestamp === 'number' ? { timestamp: p.timestamp * 1000 } : {}),
  };
}

/**
 * Charges each `order.created` message, then settles results in batches: one confirmed publish
 * of every retry/park/dead-letter copy, one transaction for payments and order statuses, then
 * acks. A message is acked only after its effects are durable, so a crash at any point means
 * redelivery, and redelivery is harmless: paid orders are skipped, and the provider charges
 * each order id once.
 */
export class PaymentProcessor {
  readonly #deps: ProcessorDeps;
  readonly #tracker = new AckTracker();
  readonly #waiting: ConsumeMessage[] = [];
  #charging = 0;
  #ready: Settled[] = [];
  #flushes = 0;
  #linger: NodeJS.Timeout | undefined;
  #dead = false;
  #idle: (() => void)[] = [];

  constructor(deps: ProcessorDeps) {
    this.#deps = deps;
  }

  /** Messages received and not yet acked. */
  get inHand(): number {
    return this.#tracker.outstanding;
  }

  /** Takes one delivery from the consumer. */
  accept(message: ConsumeMessage): void {
    if (this.#dead) return;
    this.#tracker.delivered(message.fields.deliveryTag);
    this.#deps.metrics.inFlight.inc();
    this.#waiting.push(message);
    this.#pump();
  }

  /** Resolves when every accepted message is settled and acked (or the processor died). */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops using the channel (it closed): nothing more is acked; the broker redelivers. */
  abandon(): void {
    this.#dead = true;
    clearTimeout(this.#linger);
    this.#deps.metrics.inFlight.dec(this.#tracker.outstanding);
    this.#tracker.reset();
    this.#waiting.length = 0;
    this.#ready = [];
    this.#wakeIdle(true);
  }

  #isIdle(): boolean {
    return this.#dead || (this.#tracker.outstanding === 0 && this.#charging === 0 && this.#waiting.length === 0 && this.#flushes === 0);
  }

  #wakeIdle(force = false): void {
    if (!force && !this.#isIdle()) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }

  #pump(): void {
    while (this.#charging < this.#deps.config.CONCURRENCY && this.#waiting.length > 0) {
      const message = this.#waiting.shift()!;
      this.#charging += 1;
      void this.#process(message)
        .then(
          (settled) => {
            if (!this.#dead) this.#ready.push(settled);
          },
          (err: unknown) => {
            // Only infrastructure fails here (the database check before a re-charge): give
            // everything back to the broker rather than guess.
            if (this.#dead) return;
            this.#deps.logger.error({ err }, 'could not process a message; the broker will redeliver');
            this.abandon();
            this.#deps.onFatal(err);
          },
        )
        .finally(() => {
          this.#charging -= 1;
          this.#pump();
          this.#scheduleFlush();
        });
    }
  }

  async #process(message: ConsumeMessage): Promise<Settled> {
    let event: OrderCreatedEvent;
    try {
      event = parseMessage(QUEUES.payments, checker, message.content);
    } catch (err) {
      const reason = new PoisonMessage([err instanceof Error ? err.message : String(err)]);
      return { message, outcome: 'poison', republish: this.#deadLetter(message, reason) };
    }
    const { order } = event;
    const base = { orderId: order.id, amountMinor: order.totalMinor, currency: order.currency };

    // Only a message that was delivered before can have been charged before.
    if (message.fields.redelivered || message.properties.headers?.['x-death'] !== undefined) {
      const paid = await paidAmong(this.#deps.pool, [order.id]);
      if (paid.has(order.id)) return { message, outcome: 'duplicate' };
    }

    const started = performance.now();
    try {
      const charge = await this.#deps.policy.execute((signal) => this.#deps.provider.charge(base, signal));
      this.#deps.metrics.chargeSeconds.observe({ result: 'ok' }, (performance.now() - started) / 1000);
      return { message, outcome: 'paid', payment: { ...base, status: 'paid', providerRef: charge.id, lastError: undefined } };
    } catch (err) {
      this.#deps.metrics.chargeSeconds.observe({ result: 'error' }, (performance.now() - started) / 1000);
      const reason = reasonOf(err);
      const pending: PaymentWrite = { ...base, status: 'pending', providerRef: undefined, lastError: `${reason.code}: ${reason.message}` };
      if (BreakerOpen.is(err)) {
        return { message, outcome: 'parked', payment: pending, republish: copyOf(message, EXCHANGES.paymentsRetry, PARKED_ROUTING_KEY) };
      }
      const retriable = err instanceof CodedError ? err.retriable : true;
      const plan = retriable ? planFailure(message.properties.headers, this.#deps.config.MAX_RETRIES) : { kind: 'dead' as const, retries: 0 };
      if (plan.kind === 'retry') {
        return { message, outcome: 'retry_scheduled', payment: pending, republish: copyOf(message, EXCHANGES.paymentsRetry, String(plan.retry)) };
      }
      const final = retriable ? new RetriesExhausted([plan.retries + 1, reason.message], { cause: err }) : (err as CodedError);
      const failed: PaymentWrite = { ...pending, status: 'failed', lastError: `${final.code}: ${final.message}` };
      return { message, outcome: 'dead_lettered', payment: failed, republish: this.#deadLetter(message, final) };
    }
  }

  #deadLetter(message: ConsumeMessage, reason: CodedError): OutgoingMessage {
    return copyOf(message, EXCHANGES.paymentsDead, QUEUES.payments, {
      [HEADERS.deadReason]: reason.message,
      'x-orderflow-error-code': reason.code,
      'x-orderflow-dead-at': new Date().toISOString(),
    });
  }

  #scheduleFlush(): void {
    if (this.#dead) return;
    const { BATCH_SIZE, BATCH_LINGER_MS, FLUSH_CONCURRENCY } = this.#deps.config;
    while (this.#flushes < FLUSH_CONCURRENCY && this.#ready.length > 0) {
      const full = this.#ready.length >= BATCH_SIZE;
      const nothingElseComing = this.#charging === 0 && this.#waiting.length === 0;
      if (!(full || nothingElseComing || BATCH_LINGER_MS === 0)) break;
      this.#startFlush();
    }
    if (this.#ready.length > 0 && this.#flushes < FLUSH_CONCURRENCY) {
      // A partial batch waits a little for company, then goes anyway.
      this.#linger ??= setTimeout(() => {
        this.#linger = undefined;
        if (!this.#dead && this.#flushes < FLUSH_CONCURRENCY && this.#ready.length > 0) this.#startFlush();
      }, BATCH_LINGER_MS);
    }
    this.#wakeIdle();
  }

  #startFlush(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#flushes += 1;
    void this.#flush().finally(() => {
      this.#flushes -= 1;
      this.#scheduleFlush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#ready.splice(0, this.#deps.config.BATCH_SIZE);
    const started = performance.now();
    try {
      const copies = batch.flatMap((s) => (s.republish === undefined ? [] : [s.republish]));
      await this.#deps.publisher.publishBatch(copies);
      const writes = batch.flatMap((s) => (s.payment === undefined ? [] : [s.payment]));
      if (writes.length > 0) {
        const client = await this.#deps.pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          const transitions = await writePayments(client, writes);
          if (transitions.length > 0) await this.#deps.recordTransitions(client, transitions);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
            broken = rollbackErr as Error;
          });
          throw err;
        } finally {
          client.release(broken);
        }
      }
    } catch (err) {
      this.#deps.logger.error({ err, batch: batch.length }, 'could not settle a batch; the broker will redeliver it');
      this.abandon();
      this.#deps.onFatal(err);
      return;
    }
    if (this.#dead) return;
    for (const op of this.#tracker.settle(batch.map((s) => s.message.fields.deliveryTag))) this.#deps.ack(op);
    const { metrics } = this.#deps;
    for (const s of batch) metrics.processed.inc({ outcome: s.outcome });
    metrics.inFlight.dec(batch.length);
    metrics.batchSize.observe(batch.length);
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    this.#wakeIdle();
  }
}
