import type { Logger } from '@orderflow/logging';
import { OrderCreatedEvent, QUEUES, parseMessage, type ConfirmPublisher } from '@orderflow/messaging';
import { endSpanWithError, extractTraceContext, runInSpan, startMessagingSpan, type Span } from '@orderflow/telemetry';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ConsumeMessage } from 'amqplib';
import type { Pool, PoolClient } from 'pg';
import { AckTracker, type AckOp } from './ack-tracker.ts';
import type { WorkerConfig } from './config.ts';
import { chargeDelivery, type Settled } from './charge.ts';
import { copyIdOf, deadLetterOf } from './copies.ts';
import { PoisonMessage } from './errors.ts';
import type { WorkerMetrics } from './metrics.ts';
import { paymentStates, writeInTransaction, type PaymentTransition, type PaymentWrite } from './payments-store.ts';
import type { ProviderClient } from './provider-client.ts';
import type { ProviderPolicy } from './provider-policy.ts';
import { screenDelivery } from './screen.ts';

const checker = TypeCompiler.Compile(OrderCreatedEvent);

/** Provider reference of an order settled without a charge (its total is zero). */
export const FREE_PROVIDER_REF = 'free';

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
  /** The queue the deliveries come from (named in dead letters so a replay returns them there). */
  queue?: string;
}

/** A delivery that passed screening and is to be charged. */
interface Chargeable {
  message: ConsumeMessage;
  event: OrderCreatedEvent;
}

/**
 * Charges each `order.created` message, then settles results in batches: one confirmed publish
 * of every retry/park/dead-letter copy, one transaction for payments and order statuses, then
 * acks. A message is acked only after its effects are durable, so a crash at any point means
 * redelivery.
 *
 * Before any charge, every delivery is screened against its order's payment row, one query per
 * batch of arrivals: paid orders are not charged again (whatever brought the copy: redelivery,
 * a relay republish, a replay), and a copy other than the order's recorded live copy is dropped,
 * so a commit that failed after its retry copy was published leaves one copy acting, not two.
 * Within the process, a second delivery of an order waits until the first one is written.
 */
export class PaymentProcessor {
  readonly #deps: ProcessorDeps;
  readonly #tracker = new AckTracker();
  /** Delivered, not yet screened. */
  #arrived: ConsumeMessage[] = [];
  #screening = false;
  /** Orders with a delivery being charged or written, and deliveries of them waiting their turn. */
  readonly #held = new Map<string, ConsumeMessage[]>();
  readonly #chargeable: Chargeable[] = [];
  #charging = 0;
  #ready: Settled[] = [];
  #flushes = 0;
  #linger: NodeJS.Timeout | undefined;
  #dead = false;
  #idle: (() => void)[] = [];
  /** The consumer span of each delivery in hand, by delivery tag: ended when it is settled. */
  readonly #spans = new Map<number, Span>();

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
    this.#spans.set(message.fields.deliveryTag, startMessagingSpan({
      system: 'rabbitmq',
      operation: 'process',
      operationName: 'consume',
      destination: this.#queue,
      parent: extractTraceContext(message.properties.headers),
      attributes: {
        'messaging.message.id': typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
        'messaging.rabbitmq.destination.routing_key': message.fields.routingKey,
        'messaging.rabbitmq.message.delivery_tag': message.fields.deliveryTag,
        'messaging.message.redelivered': message.fields.redelivered,
      },
    }));
    this.#deps.metrics.inFlight.inc();
    this.#arrived.push(message);
    this.#screenNext();
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
    for (const span of this.#spans.values()) endSpanWithError(span, new Error('the channel closed before the delivery was settled; the broker redelivers it'));
    this.#spans.clear();
    this.#arrived = [];
    this.#held.clear();
    this.#chargeable.length = 0;
    this.#ready = [];
    this.#wakeIdle(true);
  }

  #isIdle(): boolean {
    return this.#dead || (this.#tracker.outstanding === 0 && this.#charging === 0 && this.#flushes === 0 && !this.#screening);
  }

  #wakeIdle(force = false): void {
    if (!force && !this.#isIdle()) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }

  #fail(err: unknown, what: string): void {
    if (this.#dead) return;
    this.#deps.logger.error({ err }, `${what}; the broker will redeliver`);
    this.abandon();
    this.#deps.onFatal(err);
  }

  /** One screening query at a time: deliveries arriving meanwhile form the next batch. */
  #screenNext(): void {
    if (this.#dead || this.#screening || this.#arrived.length === 0) return;
    const batch = this.#arrived.splice(0, this.#deps.config.BATCH_SIZE);
    this.#screening = true;
    void this.#screen(batch)
      .catch((err: unknown) => this.#fail(err, 'could not look up payments before charging'))
      .finally(() => {
        this.#screening = false;
        this.#screenNext();
        this.#pump();
        this.#scheduleFlush();
      });
  }

  async #screen(batch: readonly ConsumeMessage[]): Promise<void> {
    const candidates: Chargeable[] = [];
    for (const message of batch) {
      let event: OrderCreatedEvent;
      try {
        event = parseMessage(this.#queue, checker, message.content);
      } catch (err) {
        const reason = new PoisonMessage([err instanceof Error ? err.message : String(err)]);
        this.#ready.push({ message, outcome: 'poison', republish: deadLetterOf(message, reason, this.#queue).message });
        continue;
      }
      const waiting = this.#held.get(event.order.id);
      if (waiting !== undefined) {
        // Another delivery of this order is being charged or written: decide after it is.
        waiting.push(message);
        continue;
      }
      this.#held.set(event.order.id, []);
      candidates.push({ message, event });
    }
    if (candidates.length === 0) return;

    this.#deps.metrics.lookupSize.observe(candidates.length);
    const states = await paymentStates(this.#deps.pool, candidates.map((c) => c.event.order.id));
    if (this.#dead) return;
    for (const candidate of candidates) {
      const { message, event } = candidate;
      const { order } = event;
      const screening = screenDelivery(states.get(order.id), copyIdOf(message), order.totalMinor);
      if (screening === 'charge') {
        this.#chargeable.push(candidate);
      } else if (screening === 'free') {
        // Business rule: an order whose total is zero is paid without a charge, recorded as such.
        const payment: PaymentWrite = {
          orderId: order.id,
          status: 'paid',
          providerRef: FREE_PROVIDER_REF,
          amountMinor: 0,
          currency: order.currency,
          lastError: undefined,
          expectedCopy: copyIdOf(message),
          liveCopy: undefined,
        };
        this.#ready.push({ message, outcome: 'free', orderId: order.id, payment });
      } else {
        this.#ready.push({ message, outcome: screening });
        this.#release(order.id);
      }
    }
  }

  get #queue(): string {
    return this.#deps.queue ?? QUEUES.payments;
  }

  /** The order's delivery is settled: deliveries of it that waited are screened again. */
  #release(orderId: string): void {
    const waiting = this.#held.get(orderId);
    this.#held.delete(orderId);
    if (waiting !== undefined && waiting.length > 0) {
      this.#arrived.unshift(...waiting);
      this.#screenNext();
    }
  }

  #pump(): void {
    while (this.#charging < this.#deps.config.CONCURRENCY && this.#chargeable.length > 0) {
      const next = this.#chargeable.shift()!;
      this.#charging += 1;
      const span = this.#spans.get(next.message.fields.deliveryTag);
      const charge = (): Promise<Settled> => chargeDelivery(this.#deps, next.message, next.event.order, this.#queue);
      // Inside the delivery's span: the provider call and the copies it makes join its trace.
      void (span === undefined ? charge() : runInSpan(span, charge))
        .then(
          (settled) => {
            if (!this.#dead) this.#ready.push(settled);
          },
          (err: unknown) => this.#fail(err, 'could not process a message'),
        )
        .finally(() => {
          this.#charging -= 1;
          this.#pump();
          this.#scheduleFlush();
        });
    }
  }

  #scheduleFlush(): void {
    if (this.#dead) return;
    const { BATCH_SIZE, BATCH_LINGER_MS, FLUSH_CONCURRENCY } = this.#deps.config;
    while (this.#flushes < FLUSH_CONCURRENCY && this.#ready.length > 0) {
      const full = this.#ready.length >= BATCH_SIZE;
      const nothingElseComing = this.#charging === 0 && this.#chargeable.length === 0 && this.#arrived.length === 0 && !this.#screening;
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

  /**
   * Copies first (confirmed), then the transaction that names each order's live copy, then acks.
   * If the transaction fails after the copies were published, nothing is acked: the deliveries
   * come back and the payment rows still name the old live copy, so the copies just published
   * are superseded and dropped when they arrive (see screenDelivery).
   */
  async #flush(): Promise<void> {
    const batch = this.#ready.splice(0, this.#deps.config.BATCH_SIZE);
    const started = performance.now();
    try {
      const copies = batch.flatMap((s) => (s.republish === undefined ? [] : [s.republish]));
      await this.#deps.publisher.publishBatch(copies);
      const writes = batch.flatMap((s) => (s.payment === undefined ? [] : [s.payment]));
      if (writes.length > 0) await writeInTransaction(this.#deps.pool, writes, this.#deps.recordTransitions);
    } catch (err) {
      this.#fail(err, `could not settle a batch of ${batch.length}`);
      return;
    }
    if (this.#dead) return;
    for (const op of this.#tracker.settle(batch.map((s) => s.message.fields.deliveryTag))) this.#deps.ack(op);
    const { metrics } = this.#deps;
    for (const s of batch) metrics.processed.inc({ outcome: s.outcome });
    metrics.inFlight.dec(batch.length);
    metrics.batchSize.observe(batch.length);
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    for (const s of batch) if (s.orderId !== undefined) this.#release(s.orderId);
    for (const s of batch) this.#endSpan(s);
    this.#wakeIdle();
  }

  /** The delivery is settled and acked: its span says how (a retry, a park and a dead letter are events). */
  #endSpan(settled: Settled): void {
    const tag = settled.message.fields.deliveryTag;
    const span = this.#spans.get(tag);
    if (span === undefined) return;
    this.#spans.delete(tag);
    span.setAttribute('orderflow.payment.outcome', settled.outcome);
    const copy = settled.republish;
    if (copy !== undefined) {
      span.addEvent(`payment.${settled.outcome}`, {
        'messaging.destination.name': copy.exchange,
        'messaging.rabbitmq.destination.routing_key': copy.routingKey,
        ...(settled.payment?.lastError === undefined ? {} : { 'orderflow.payment.last_error': settled.payment.lastError }),
      });
    }
    span.end();
  }
}
