import { CodedError } from '@orderflow/errors';
import { retryQueueName } from '@orderflow/consumer-contract';
import { QUEUES, type Order, type OutgoingMessage } from '@orderflow/messaging';
import type { ConsumeMessage } from 'amqplib';
import type { WorkerConfig } from './config.ts';
import { DEFAULT_EXCHANGE, copyIdOf, copyOf, deadLetterOf } from './copies.ts';
import { BreakerOpen, RetriesExhausted } from './errors.ts';
import type { Outcome, WorkerMetrics } from './metrics.ts';
import type { PaymentWrite } from './payments-store.ts';
import type { ProviderClient } from './provider-client.ts';
import type { ProviderPolicy } from './provider-policy.ts';
import { planFailure } from './retry-plan.ts';
import { PARKED_QUEUE } from './topology.ts';

/** A delivery's result, waiting to be written in a batch and then acked. */
export interface Settled {
  message: ConsumeMessage;
  outcome: Outcome;
  /** Set while this delivery holds its order (other deliveries of it wait until the batch is written). */
  orderId?: string;
  payment?: PaymentWrite;
  /** Copy to publish before the ack (retry, park, dead letter). */
  republish?: OutgoingMessage;
}

/** What charging one delivery needs. */
export interface ChargeDeps {
  config: Pick<WorkerConfig, 'MAX_RETRIES'>;
  provider: ProviderClient;
  policy: ProviderPolicy;
  metrics: Pick<WorkerMetrics, 'chargeSeconds'>;
}

function reasonOf(err: unknown): { code: string; message: string } {
  if (err instanceof CodedError) return { code: err.code, message: err.message };
  return { code: 'PAYMENTS_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Charges one order through the provider policy and says what follows: paid, or a copy to
 * publish (park while the breaker is open, the next delay queue, or the dead letter when the
 * retries are used up or the provider refused) with the payment row that names it the live copy.
 */
export async function chargeDelivery(deps: ChargeDeps, message: ConsumeMessage, order: Order, sourceQueue: string): Promise<Settled> {
  const base = { orderId: order.id, amountMinor: order.totalMinor, currency: order.currency };
  const expectedCopy = copyIdOf(message);
  const started = performance.now();
  try {
    const charge = await deps.policy.execute((signal) => deps.provider.charge(base, signal));
    deps.metrics.chargeSeconds.observe({ result: 'ok' }, (performance.now() - started) / 1000);
    const payment: PaymentWrite = { ...base, status: 'paid', providerRef: charge.id, lastError: undefined, expectedCopy, liveCopy: undefined };
    return { message, outcome: 'paid', orderId: order.id, payment };
  } catch (err) {
    deps.metrics.chargeSeconds.observe({ result: 'error' }, (performance.now() - started) / 1000);
    const reason = reasonOf(err);
    const pending = { ...base, status: 'pending' as const, providerRef: undefined, lastError: `${reason.code}: ${reason.message}`, expectedCopy };
    if (BreakerOpen.is(err)) {
      const copy = copyOf(message, DEFAULT_EXCHANGE, PARKED_QUEUE);
      return { message, outcome: 'parked', orderId: order.id, payment: { ...pending, liveCopy: copy.copyId }, republish: copy.message };
    }
    const retriable = err instanceof CodedError ? err.retriable : true;
    const plan = retriable ? planFailure(message.properties.headers, deps.config.MAX_RETRIES) : { kind: 'dead' as const, retries: 0 };
    if (plan.kind === 'retry') {
      const copy = copyOf(message, DEFAULT_EXCHANGE, retryQueueName(QUEUES.payments, plan.retry));
      return { message, outcome: 'retry_scheduled', orderId: order.id, payment: { ...pending, liveCopy: copy.copyId }, republish: copy.message };
    }
    const final = retriable ? new RetriesExhausted([plan.retries + 1, reason.message], { cause: err }) : (err as CodedError);
    const copy = deadLetterOf(message, final, sourceQueue);
    const failed: PaymentWrite = { ...pending, status: 'failed', lastError: `${final.code}: ${final.message}`, liveCopy: copy.copyId };
    return { message, outcome: 'dead_lettered', orderId: order.id, payment: failed, republish: copy.message };
  }
}
